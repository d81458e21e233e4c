import pytest
import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmreidgen.registry import MODELS
from mmreidgen.structures import ReIDDataSample


def tiny_gan():
    return MODELS.build(
        dict(
            type='SLSRDCGAN',
            generator=dict(type='SLSRDCGANGenerator', noise_size=8,
                           output_size=(16, 8), base_channels=8,
                           num_upsamples=2),
            discriminator=dict(type='SLSRDCGANDiscriminator',
                               input_size=(16, 8), base_channels=4,
                               num_downsamples=2)))


def optimizers(gan):
    def adam(m):
        return OptimWrapper(
            torch.optim.Adam(m.parameters(), lr=2e-4, betas=(0.5, 0.999)))
    return OptimWrapperDict(generator=adam(gan.generator),
                            discriminator=adam(gan.discriminator))


def batch(n=4):
    return dict(
        inputs=[torch.randint(0, 256, (3, 16, 8), dtype=torch.uint8)
                for _ in range(n)],
        data_samples=[ReIDDataSample() for _ in range(n)])


def test_train_step_updates_g_twice_per_d_step_with_d_frozen():
    torch.manual_seed(0)
    gan = tiny_gan()
    optim = optimizers(gan)
    log = gan.train_step(batch(), optim)
    assert {'loss_d_real', 'loss_d_fake', 'loss_g'} <= set(log)
    assert all(torch.isfinite(v) for v in log.values())
    g_state = optim['generator'].optimizer.state
    d_state = optim['discriminator'].optimizer.state
    g_param = next(gan.generator.parameters())
    d_param = next(gan.discriminator.parameters())
    assert int(g_state[g_param]['step']) == 2
    assert int(d_state[d_param]['step']) == 1
    # The discriminator is trainable again after the generator steps.
    assert all(p.requires_grad for p in gan.discriminator.parameters())


def test_real_images_are_scaled_like_the_tanh_output():
    gan = tiny_gan()
    data = gan.data_preprocessor(
        dict(inputs=[torch.zeros(3, 16, 8, dtype=torch.uint8),
                     torch.full((3, 16, 8), 255, dtype=torch.uint8)],
             data_samples=[ReIDDataSample(), ReIDDataSample()]), True)
    assert data['inputs'][0].min() == -1 and data['inputs'][1].max() == 1


def test_sampling_is_reproducible_and_in_range():
    gan = tiny_gan()
    a = gan.sample(3, generator=torch.Generator().manual_seed(1))
    b = gan.sample(3, generator=torch.Generator().manual_seed(1))
    assert a.shape == (3, 3, 16, 8) and torch.equal(a, b)
    assert a.abs().max() <= 1
    assert gan.generator.training  # sample() restores the mode
    assert gan(torch.zeros(2, 8)).shape == (2, 3, 16, 8)
    with pytest.raises(ValueError, match="mode='tensor'"):
        gan(torch.zeros(2, 8), mode='loss')
