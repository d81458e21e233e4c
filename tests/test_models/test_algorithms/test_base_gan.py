"""BaseGAN: discriminator/generator alternation, frozen D during the G step,
and the logged losses of both."""
import pytest
import torch
import torch.nn as nn
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmreidgen.models.algorithms.base_gan import BaseGAN, set_requires_grad
from mmreidgen.structures import ReIDDataSample


class ToyGAN(BaseGAN):
    """A 1-d GAN that records what each step saw."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.generator = nn.Linear(2, 2)
        self.discriminator = nn.Linear(2, 1)
        self.calls = []

    def forward(self, inputs, data_samples=None, mode='tensor'):
        return self.generator(inputs.flatten(1)[:, :2])

    def train_discriminator(self, inputs, data_samples, optim_wrapper):
        self.calls.append(('D', all(p.requires_grad for p in
                                    self.discriminator.parameters())))
        fake = self.generator(inputs.flatten(1)[:, :2]).detach()
        loss = self.discriminator(fake).mean() ** 2
        return self.update(dict(loss_disc=loss), optim_wrapper,
                           'discriminator')

    def train_generator(self, inputs, data_samples, optim_wrapper):
        frozen = not any(p.requires_grad for p in
                         self.discriminator.parameters())
        self.calls.append(('G', frozen))
        fake = self.generator(inputs.flatten(1)[:, :2])
        loss = (self.discriminator(fake) - 1).mean() ** 2
        return self.update(dict(loss_gen=loss), optim_wrapper, 'generator')


def wrappers(model):
    return OptimWrapperDict(
        generator=OptimWrapper(
            torch.optim.SGD(model.generator.parameters(), lr=0.1)),
        discriminator=OptimWrapper(
            torch.optim.SGD(model.discriminator.parameters(), lr=0.1)))


def batch():
    inputs = [torch.randint(0, 255, (3, 2, 2), dtype=torch.uint8)
              for _ in range(4)]
    samples = [ReIDDataSample().set_metainfo(dict(pid=0, camid=0))
               for _ in range(4)]
    return dict(inputs=inputs, data_samples=samples)


def run(model, iters):
    hub = MessageHub.get_current_instance()
    optim = wrappers(model)
    logs = []
    for i in range(iters):
        hub.update_info('iter', i)
        logs.append(model.train_step(batch(), optim))
    return logs


@pytest.mark.parametrize('d_steps,g_steps', [(1, 1), (2, 1), (3, 2), (1, 0)])
def test_alternation_and_frozen_discriminator(d_steps, g_steps):
    torch.manual_seed(0)
    model = ToyGAN(discriminator_steps=d_steps, generator_steps=g_steps)
    logs = run(model, 6)
    expected = []
    for i in range(6):
        expected.append(('D', True))
        if (i + 1) % d_steps == 0:
            expected += [('G', True)] * g_steps
    assert model.calls == expected  # G always saw a frozen D
    # D is trainable again after every generator round.
    assert all(p.requires_grad for p in model.discriminator.parameters())
    for i, log in enumerate(logs):
        assert 'loss_disc' in log
        assert ('loss_gen' in log) == ((i + 1) % d_steps == 0 and
                                       g_steps > 0)


def test_generator_step_leaves_discriminator_weights_alone():
    torch.manual_seed(0)
    model = ToyGAN()
    optim = wrappers(model)
    MessageHub.get_current_instance().update_info('iter', 0)
    d_before = [p.detach().clone() for p in model.discriminator.parameters()]
    g_before = [p.detach().clone() for p in model.generator.parameters()]
    data = model.data_preprocessor(batch(), True)
    set_requires_grad(model.discriminator, False)
    model.train_generator(data['inputs'], data['data_samples'], optim)
    set_requires_grad(model.discriminator, True)
    assert all(torch.equal(a, b) for a, b in
               zip(d_before, model.discriminator.parameters()))
    assert any(not torch.equal(a, b) for a, b in
               zip(g_before, model.generator.parameters()))


def test_logged_losses_are_the_computed_ones():
    torch.manual_seed(0)
    model = ToyGAN()
    log = run(model, 1)[0]
    assert set(log) >= {'loss', 'loss_disc', 'loss_gen'}
    assert all(torch.isfinite(torch.as_tensor(v)) for v in log.values())


def test_bad_arguments_and_single_optimizer():
    with pytest.raises(ValueError, match='discriminator_steps'):
        ToyGAN(discriminator_steps=0)
    model = ToyGAN()
    with pytest.raises(TypeError, match='one optimizer per sub-module'):
        model.train_step(batch(), OptimWrapper(
            torch.optim.SGD(model.parameters(), lr=0.1)))
