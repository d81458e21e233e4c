"""DukeMTMC-reID (Zheng et al., ICCV 2017; from Ristani et al., 2016)."""
import re

from mmreidgen.registry import DATASETS

from .market1501 import Market1501


@DATASETS.register_module()
class DukeMTMCReID(Market1501):
    """DukeMTMC-reID: 1,404 identities and 408 distractors, 8 cameras.

    Layout below ``data_root``, the same folder names as Market-1501::

        bounding_box_train/0001_c2_f0046182.jpg   # subset='train'
        query/0005_c2_f0046985.jpg                # subset='query'
        bounding_box_test/0002_c1_f0044158.jpg    # subset='gallery'
        masks/bounding_box_train/0001_c2_f0046182.png   # optional

    File names are ``PPPP_cC_fFFFFFFF.jpg``: person id, camera ``C``
    (1-based, stored as ``camid = C - 1``) and frame. The Market-1501
    rules apply (``-1`` dropped; ``0000`` kept only in the gallery), though
    the official release uses neither: its distractors have ordinary ids.

    Args:
        data_root (str): The folder holding ``bounding_box_train`` etc.
        subset (str): ``'train'``, ``'query'`` or ``'gallery'``.
            Defaults to ``'train'``.
        **kwargs: Arguments of :class:`BaseReIDDataset`.
    """

    LAYOUT = ('<data_root>/bounding_box_train/0001_c2_f0046182.jpg\n'
              '<data_root>/query/0005_c2_f0046985.jpg\n'
              '<data_root>/bounding_box_test/0002_c1_f0044158.jpg')
    NAME_PATTERN = re.compile(r'^(-?\d+)_c(\d+)_f\d+')
    NAME_EXAMPLE = 'PPPP_cC_fFFFFFFF.jpg'
