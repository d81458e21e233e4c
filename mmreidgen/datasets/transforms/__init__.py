from .formatting import PackReIDInputs
from .loading import LoadReIDImage
from .processing import (
                         PadRandomCrop,
                         RandomErasing,
                         ReIDRandomFlip,
                         ReIDResize,
)

__all__ = [
    'LoadReIDImage', 'ReIDResize', 'ReIDRandomFlip', 'PadRandomCrop',
    'RandomErasing', 'PackReIDInputs'
]
