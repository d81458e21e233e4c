"""The baseline re-id model: backbone + ReIDHead."""
from typing import Dict, List, Optional, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel

from mmreidgen.registry import MODELS
from mmreidgen.structures import ReIDDataSample, set_pred_features


@MODELS.register_module()
class ReIDBaseline(BaseModel):
    """Backbone, global pooling, optional BN-neck and identity classifier.

    It is the identity discriminator of CR-GAN, the teacher of DG-Net, the
    baseline of SLSR and the direct-transfer reference.

    Args:
        backbone (dict): Backbone config, e.g.
            ``dict(type='mmpretrain.ResNet', depth=50,
            strides=(1, 2, 2, 1), out_indices=(3, ))`` (last stride 1).
        head (dict): ``ReIDHead`` config.
        data_preprocessor (dict, optional): Defaults to
            ``ReIDDataPreprocessor``.
        test_cfg (dict, optional): ``flip`` (sum the features of the image
            and its mirror, default False) and ``normalize`` (L2, default
            True).
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 data_preprocessor: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        # Built here from mmreidgen's registry so that the model also
        # builds outside a runner (no default scope needed).
        data_preprocessor = MODELS.build(
            data_preprocessor or dict(type='ReIDDataPreprocessor'))
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.head = MODELS.build(head)
        self.test_cfg = dict(flip=False, normalize=True)
        self.test_cfg.update(test_cfg or {})

    @property
    def num_classes(self) -> int:
        return self.head.num_classes

    def feature_map(self, inputs: torch.Tensor) -> torch.Tensor:
        """The backbone's last feature map."""
        feats = self.backbone(inputs)
        if isinstance(feats, (tuple, list)):
            feats = feats[-1]
        return feats

    def extract_feat(self, inputs: torch.Tensor) -> torch.Tensor:
        """Test-time embedding, with flip TTA and L2 norm per test_cfg."""
        feat = self.head.pre_logits(self.feature_map(inputs))
        if self.test_cfg['flip']:
            feat = feat + self.head.pre_logits(
                self.feature_map(inputs.flip(3)))
        if self.test_cfg['normalize']:
            feat = F.normalize(feat, dim=1)
        return feat

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[ReIDDataSample]] = None,
                mode: str = 'tensor') -> Union[Dict, List, torch.Tensor]:
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.extract_feat(inputs)
        raise ValueError(
            f"mode must be 'loss', 'predict' or 'tensor', got {mode!r}")

    def loss(self, inputs: torch.Tensor,
             data_samples: List[ReIDDataSample]) -> Dict[str, torch.Tensor]:
        labels = torch.stack([s.gt_label for s in data_samples]).to(
            inputs.device)
        if any('soft_label' in s for s in data_samples):
            # Generated images (SLSR) carry a target distribution; real
            # images in the same batch get their one-hot label.
            soft_target = torch.stack([
                s.soft_label.float() if 'soft_label' in s else F.one_hot(
                    s.gt_label, self.num_classes).float()
                for s in data_samples
            ]).to(inputs.device)
            return self.head.loss(
                self.feature_map(inputs), labels, soft_target=soft_target)
        return self.head.loss(self.feature_map(inputs), labels)

    def predict(self, inputs: torch.Tensor,
                data_samples: List[ReIDDataSample]) -> List[ReIDDataSample]:
        return set_pred_features(data_samples, self.extract_feat(inputs))
