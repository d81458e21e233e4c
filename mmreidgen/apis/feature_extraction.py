"""Re-id features of images, paths, a folder or a dataloader."""
import os.path as osp
from typing import Dict, Iterable, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dataset import Compose, pseudo_collate

from mmreidgen.utils.image_files import list_images
from mmreidgen.utils.progress import ProgressBar


def test_pipeline_of(cfg) -> list:
    """The pipeline of the config's query set (no augmentation)."""
    dataset = cfg['test_dataloader']['dataset']
    if 'datasets' in dataset:
        dataset = dataset['datasets'][0]
    return list(dataset['pipeline'])


class ReIDFeatureExtractor:
    """Test-time re-id features of images, with a progress bar.

    Inputs are image paths, a folder, or a dataloader / iterable of
    batches as mmengine's ``pseudo_collate`` gives them. Paths go through
    ``pipeline``, by default the test pipeline of the config the model was
    built from by :func:`mmreidgen.apis.init_model` (``model.cfg``)::

        model = init_model('configs/baseline/baseline_r18w16_synthduke.py',
                           'work_dirs/demo/oracle/iter_1200.pth')
        feats = ReIDFeatureExtractor(model)('my_images')['features']

    An image that ``LoadReIDImage(skip_bad_images=True)`` skips (with a
    warning) is left out of the result.

    ``mode='embedding'`` returns the model's test embedding
    (``model.extract_feat``: pooling, BN-neck, flip averaging and L2
    normalisation as its ``test_cfg`` sets them, the features the metric
    sees); ``mode='pooled'`` returns the globally average-pooled last
    feature map (``model.feature_map``), the feature SLSR clusters.

    Args:
        model (nn.Module): A re-id model (``ReIDBaseline``, ``CRGAN``,
            ``DGNet``) with a data preprocessor.
        pipeline (list[dict], optional): Test transforms for image paths.
            Defaults to None: the test pipeline of ``model.cfg``.
        batch_size (int): Defaults to 64.
        normalize (bool): L2-normalise the features again (the embedding
            usually is already). Defaults to False.
        mode (str): ``'embedding'`` or ``'pooled'``. Defaults to
            'embedding'.
        progress (bool): Show a progress bar. Defaults to True.
    """

    def __init__(self,
                 model: nn.Module,
                 pipeline: Optional[list] = None,
                 batch_size: int = 64,
                 normalize: bool = False,
                 mode: str = 'embedding',
                 progress: bool = True) -> None:
        if mode not in ('embedding', 'pooled'):
            raise ValueError(
                f"mode must be 'embedding' or 'pooled', got {mode!r}")
        if mode == 'embedding' and not hasattr(model, 'extract_feat'):
            raise TypeError(
                f'{type(model).__name__} has no extract_feat, so it gives '
                'no re-id embedding; use a re-id model.')
        self.model = model.eval()
        if pipeline is None and getattr(model, 'cfg', None) is not None:
            pipeline = test_pipeline_of(model.cfg)
        self.pipeline = Compose(pipeline) if pipeline else None
        self.batch_size = batch_size
        self.normalize = normalize
        self.mode = mode
        self.progress = progress

    @torch.no_grad()
    def features(self, inputs: torch.Tensor) -> torch.Tensor:
        """Features of preprocessed ``B x 3 x H x W`` inputs."""
        if self.mode == 'pooled':
            feats = F.adaptive_avg_pool2d(
                self.model.feature_map(inputs), 1).flatten(1)
        else:
            feats = self.model.extract_feat(inputs)
        if self.normalize:
            feats = F.normalize(feats, dim=1)
        return feats

    def _batches_from_paths(self, paths: Sequence[str]) -> Iterable[dict]:
        if self.pipeline is None:
            raise ValueError(
                'ReIDFeatureExtractor needs a test pipeline to read image '
                'paths: build the model with mmreidgen.apis.init_model '
                '(its config gives the pipeline), or pass pipeline='
                'test_pipeline_of(cfg).')
        for start in range(0, len(paths), self.batch_size):
            items = []
            for path in paths[start:start + self.batch_size]:
                if not osp.isfile(path):
                    raise FileNotFoundError(f'Image {path} does not exist.')
                item = self.pipeline(dict(img_path=path))
                if item is not None:  # None: skipped (skip_bad_images)
                    items.append(item)
            if items:
                yield pseudo_collate(items)

    @torch.no_grad()
    def __call__(self, source: Union[str, Sequence[str], Iterable]
                 ) -> Dict[str, np.ndarray]:
        """Extract the features of ``source``.

        Args:
            source: An image path, a list of paths, a folder, or a
                dataloader.

        Returns:
            dict: ``features`` (``N x D`` float32) and, per image,
            ``img_paths``, ``pids``, ``camids`` and ``is_query`` (from the
            data samples; -1 / False when unknown).
        """
        if isinstance(source, str):
            source = list_images(source) if osp.isdir(source) else [source]
        if isinstance(source, (list, tuple)) and (
                not source or isinstance(source[0], str)):
            if not source:
                raise ValueError('No image to extract features from.')
            total = len(source)
            batches = self._batches_from_paths(list(source))
        else:
            total = len(getattr(source, 'dataset', ())) or None
            batches = source
        bar = ProgressBar(total) if self.progress and total else None
        feats, paths, pids, camids, is_query = [], [], [], [], []
        for batch in batches:
            data = self.model.data_preprocessor(batch, False)
            feats.append(self.features(data['inputs']).float().cpu())
            for sample in data['data_samples']:
                paths.append(sample.get('img_path', ''))
                pids.append(int(sample.get('pid', -1)))
                camids.append(int(sample.get('camid', -1)))
                is_query.append(bool(sample.get('is_query', False)))
            if bar is not None:
                bar.update(len(data['data_samples']))
        if not feats:
            raise ValueError(
                'The input yielded no image; check the dataset or folder.')
        return dict(
            features=torch.cat(feats).numpy(),
            img_paths=np.array(paths),
            pids=np.array(pids),
            camids=np.array(camids),
            is_query=np.array(is_query, dtype=bool))


class ExportableExtractor(nn.Module):
    """Raw BGR pixels in, test-time embedding out (for ONNX export).

    The data preprocessor's colour conversion and normalisation and the
    model's ``extract_feat`` in one module.

    Args:
        model (nn.Module): A model with ``data_preprocessor`` (an mmengine
            ``ImgDataPreprocessor``) and ``extract_feat``.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        if not hasattr(model, 'extract_feat'):
            raise TypeError(
                f'{type(model).__name__} has no extract_feat, so it has no '
                're-id embedding to export; export a re-id model (e.g. '
                'ReIDBaseline, CRGAN, DGNet).')
        self.model = model
        pre = model.data_preprocessor
        self.bgr_to_rgb = bool(getattr(pre, '_channel_conversion', False))
        self.normalize = bool(getattr(pre, '_enable_normalize', False))
        if self.normalize:
            self.register_buffer('mean', pre.mean.clone().view(1, -1, 1, 1))
            self.register_buffer('std', pre.std.clone().view(1, -1, 1, 1))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if self.bgr_to_rgb:
            images = images.flip(1)
        if self.normalize:
            images = (images - self.mean) / self.std
        return self.model.extract_feat(images)
