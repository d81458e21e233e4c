"""The soft-target path of ReIDHead / ReIDBaseline used by SLSR."""
import torch

from mmreidgen.registry import MODELS
from mmreidgen.structures import ReIDDataSample


def tiny_baseline(loss_cls, num_classes=4):
    return MODELS.build(
        dict(
            type='ReIDBaseline',
            backbone=dict(
                type='mmpretrain.ResNet', depth=18, stem_channels=8,
                base_channels=8, out_indices=(3, )),
            head=dict(type='ReIDHead', in_channels=64,
                      num_classes=num_classes, loss_cls=loss_cls,
                      loss_triplet=dict(type='TripletLoss'))))


def mixed_batch():
    samples = []
    for pid in (0, 0, 1, 1):
        s = ReIDDataSample(metainfo=dict(pid=pid, camid=0))
        s.gt_label = torch.tensor(pid)
        samples.append(s)
    for _ in range(2):
        s = ReIDDataSample(metainfo=dict(pid=-1, camid=0))
        s.gt_label = torch.tensor(-1)
        s.soft_label = torch.tensor([0.0, 0.5, 0.5, 0.0])
        samples.append(s)
    torch.manual_seed(0)
    inputs = [torch.randint(0, 256, (3, 32, 16), dtype=torch.uint8)
              for _ in samples]
    return dict(inputs=inputs, data_samples=samples)


def loss_of(model, data, **kw):
    return model(**model.data_preprocessor(data, True), mode='loss')


def test_mixed_batch_uses_one_hot_and_sparse_targets():
    torch.manual_seed(0)
    model = tiny_baseline(dict(type='SLSRLoss')).eval()
    data = model.data_preprocessor(mixed_batch(), True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_cls', 'loss_triplet', 'acc'}
    with torch.no_grad():
        _, _, logits = model.head(model.feature_map(data['inputs']))
    target = torch.tensor([[1.0, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0],
                           [0, 1, 0, 0], [0, 0.5, 0.5, 0],
                           [0, 0.5, 0.5, 0]])
    expected = -(target * logits.log_softmax(1)).sum(1).mean()
    assert torch.allclose(losses['loss_cls'], expected, atol=1e-5)
    # Accuracy counts the 4 real images only.
    real_acc = (logits[:4].argmax(1) == torch.tensor([0, 0, 1, 1])).float()
    assert torch.allclose(losses['acc'], real_acc.mean())


def test_lsro_and_plain_cross_entropy_through_the_head():
    torch.manual_seed(0)
    slsr = tiny_baseline(dict(type='SLSRLoss')).eval()
    lsro = tiny_baseline(dict(type='LSROLoss')).eval()
    lsro.load_state_dict(slsr.state_dict())
    ce = tiny_baseline(dict(type='CrossEntropyLoss')).eval()
    ce.load_state_dict(slsr.state_dict())
    data = slsr.data_preprocessor(mixed_batch(), True)
    a = slsr(**data, mode='loss')['loss_cls']
    b = lsro(**data, mode='loss')['loss_cls']
    c = ce(**data, mode='loss')['loss_cls']
    assert not torch.allclose(a, b)
    # CrossEntropyLoss takes the soft targets as given: same as SLSR.
    assert torch.allclose(a, c, atol=1e-6)


def test_real_only_batches_keep_the_hard_label_path():
    torch.manual_seed(0)
    model = tiny_baseline(dict(type='CrossEntropyLoss',
                               label_smooth=0.1)).eval()
    data = mixed_batch()
    data['inputs'] = data['inputs'][:4]
    data['data_samples'] = data['data_samples'][:4]
    data = model.data_preprocessor(data, True)
    losses = model(**data, mode='loss')
    with torch.no_grad():
        _, _, logits = model.head(model.feature_map(data['inputs']))
    ref = torch.nn.functional.cross_entropy(
        logits, torch.tensor([0, 0, 1, 1]), label_smoothing=0.1)
    assert torch.allclose(losses['loss_cls'], ref, atol=1e-6)
