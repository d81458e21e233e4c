"""The data sample that carries one re-id image's annotations."""
from typing import List

import torch
from mmengine.structures import BaseDataElement


def _tensor_field(name: str, doc: str) -> property:
    """A tensor data field, stored by ``set_field`` as mmengine expects."""
    private = f'_{name}'

    def get(self) -> torch.Tensor:
        return getattr(self, private)

    def set(self, value: torch.Tensor) -> None:
        self.set_field(value, private, dtype=torch.Tensor)

    def delete(self) -> None:
        delattr(self, private)

    return property(get, set, delete, doc)


class ReIDDataSample(BaseDataElement):
    """Annotations and predictions of one person image.

    Metainfo keys set by :class:`PackReIDInputs`: ``img_path``, ``pid``,
    ``camid``, ``domain`` (``'source'``/``'target'`` for two-domain batches)
    and ``is_query``. Data fields: ``gt_label`` (the training label, a
    0-dim long tensor), ``mask`` (1×H×W person mask in [0, 1], when loaded)
    and ``pred_feature`` (the embedding, set by ``predict``).
    """

    gt_label = _tensor_field('gt_label', 'The training label (0-dim long).')
    mask = _tensor_field('mask', 'The 1xHxW person mask in [0, 1].')
    pred_feature = _tensor_field('pred_feature',
                                 'The embedding set by ``predict``.')


def set_pred_features(data_samples: List[ReIDDataSample],
                      feats: torch.Tensor) -> List[ReIDDataSample]:
    """Give each sample its row of ``feats`` as ``pred_feature``.

    What every re-id model's ``predict`` returns.
    """
    for sample, feat in zip(data_samples, feats):
        sample.pred_feature = feat
    return data_samples
