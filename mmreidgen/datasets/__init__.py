from .base_reid_dataset import BaseReIDDataset
from .cuhk03 import CUHK03
from .dukemtmc import DukeMTMCReID
from .market1501 import Market1501
from .msmt17 import MSMT17
from .reid_list_dataset import ReIDListDataset
from .samplers import *  # noqa: F401,F403
from .slsr_generated_dataset import SLSRGeneratedDataset
from .transforms import *  # noqa: F401,F403
from .viper import VIPeR

__all__ = [
    'BaseReIDDataset', 'Market1501', 'DukeMTMCReID', 'CUHK03', 'MSMT17',
    'VIPeR', 'ReIDListDataset', 'SLSRGeneratedDataset'
]
