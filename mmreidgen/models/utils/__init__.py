from .pretrained import (
                         PretrainedKeyMismatchError,
                         StrictPretrainedInit,
                         convert_torchvision_densenet,
                         match_backbone_state,
)

__all__ = [
    'StrictPretrainedInit', 'PretrainedKeyMismatchError',
    'convert_torchvision_densenet', 'match_backbone_state'
]
