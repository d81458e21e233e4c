"""Packing of transformed results into model inputs and data samples."""
import numpy as np
import torch
from mmcv.transforms import BaseTransform

from mmreidgen.registry import TRANSFORMS
from mmreidgen.structures import ReIDDataSample


@TRANSFORMS.register_module()
class PackReIDInputs(BaseTransform):
    """Pack an image into ``inputs`` and its labels into a data sample.

    Output: ``dict(inputs=uint8 tensor CxHxW, data_samples=ReIDDataSample)``
    with metainfo ``img_path``, ``pid``, ``camid``, ``domain``,
    ``is_query``, ``flip`` and, when loaded, the field ``mask`` (1xHxW).
    """

    meta_keys = ('img_path', 'pid', 'camid', 'domain', 'flip', 'img_shape',
                 'ori_shape', 'orig_pid')

    def transform(self, results: dict) -> dict:
        img = np.ascontiguousarray(results['img'].transpose(2, 0, 1))
        sample = ReIDDataSample()
        meta = {k: results[k] for k in self.meta_keys if k in results}
        meta['is_query'] = results.get('subset') == 'query'
        # The values are strings, numbers and tuples: set them one by one
        # rather than through set_metainfo's deep copy (a third of the
        # packing time).
        for key, value in meta.items():
            sample.set_field(value, key, field_type='metainfo')
        pid = results.get('pid', -1)
        # A 0-dim tensor of the label's own dtype (int64 for an int), as
        # torch.tensor(pid) gives, in a third of its time.
        sample.gt_label = torch.from_numpy(np.array(pid)) if isinstance(
            pid, (int, np.integer)) else torch.tensor(pid)
        if 'mask' in results:
            sample.mask = torch.from_numpy(
                np.ascontiguousarray(results['mask'],
                                     dtype=np.float32))[None]
        return dict(inputs=torch.from_numpy(img), data_samples=sample)
