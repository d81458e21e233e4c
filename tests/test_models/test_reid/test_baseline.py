import torch

from mmreidgen.registry import MODELS
from mmreidgen.structures import ReIDDataSample


def tiny_baseline(num_classes=4, **head):
    return MODELS.build(
        dict(
            type='ReIDBaseline',
            backbone=dict(
                type='mmpretrain.ResNet', depth=18, stem_channels=8,
                base_channels=8, strides=(1, 2, 2, 1), out_indices=(3, )),
            head=dict(type='ReIDHead', in_channels=64,
                      num_classes=num_classes,
                      loss_triplet=dict(type='TripletLoss'), **head),
            test_cfg=dict(flip=True)))


def batch(n=4):
    samples = []
    for i in range(n):
        s = ReIDDataSample(metainfo=dict(pid=i % 2, camid=0))
        s.gt_label = torch.tensor(i % 2)
        samples.append(s)
    inputs = [torch.randint(0, 255, (3, 32, 16), dtype=torch.uint8)
              for _ in range(n)]
    return dict(inputs=inputs, data_samples=samples)


def test_loss_and_a_training_step_reduce_nothing_to_nan():
    model = tiny_baseline()
    data = model.data_preprocessor(batch(), True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_cls', 'loss_triplet', 'acc'}
    assert all(torch.isfinite(v) for v in losses.values())


def test_predict_gives_normalised_flip_invariant_features():
    model = tiny_baseline().eval()
    data = model.data_preprocessor(batch(), False)
    out = model(**data, mode='predict')
    feats = torch.stack([s.pred_feature for s in out])
    assert feats.shape == (4, 64)
    assert torch.allclose(feats.norm(dim=1), torch.ones(4), atol=1e-5)
    # Flip TTA sums the features of x and its mirror: mirroring the input
    # gives the same embedding.
    flipped = model.extract_feat(data['inputs'].flip(3))
    assert torch.allclose(flipped, feats, atol=1e-5)


def test_head_before_bn_feature():
    model = tiny_baseline(bnneck=False).eval()
    data = model.data_preprocessor(batch(), False)
    assert model(**data, mode='tensor').shape == (4, 64)
