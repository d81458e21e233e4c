"""The data sample that carries one re-id image's annotations."""
from typing import Optional

import torch
from mmengine.structures import BaseDataElement


class ReIDDataSample(BaseDataElement):
    """Annotations and predictions of one person image.

    Metainfo keys set by :class:`PackReIDInputs`: ``img_path``, ``pid``,
    ``camid``, ``domain`` (``'source'``/``'target'`` for two-domain batches)
    and ``is_query``. Data fields: ``gt_label`` (the training label, a
    0-dim long tensor), ``mask`` (1×H×W person mask in [0, 1], when loaded)
    and ``pred_feature`` (the embedding, set by ``predict``).
    """

    @property
    def gt_label(self) -> torch.Tensor:
        return self._gt_label

    @gt_label.setter
    def gt_label(self, value: torch.Tensor) -> None:
        self.set_field(value, '_gt_label', dtype=torch.Tensor)

    @gt_label.deleter
    def gt_label(self) -> None:
        del self._gt_label

    @property
    def mask(self) -> Optional[torch.Tensor]:
        return self._mask

    @mask.setter
    def mask(self, value: torch.Tensor) -> None:
        self.set_field(value, '_mask', dtype=torch.Tensor)

    @mask.deleter
    def mask(self) -> None:
        del self._mask

    @property
    def pred_feature(self) -> torch.Tensor:
        return self._pred_feature

    @pred_feature.setter
    def pred_feature(self, value: torch.Tensor) -> None:
        self.set_field(value, '_pred_feature', dtype=torch.Tensor)

    @pred_feature.deleter
    def pred_feature(self) -> None:
        del self._pred_feature
