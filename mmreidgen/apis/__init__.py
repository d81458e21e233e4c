"""The user-facing API: load a config, a model, extract, rank, generate.

Every tool and pipeline stage goes through these functions (mmpretrain's
``apis/`` shape):

- :func:`load_config`: the one resolver of a config and of a pipeline
  stage's effective config;
- :func:`init_model`: the one model loader (strict, compatibility-checked,
  ``weights_only=True``);
- :func:`build_dataloader`: a config's dataloader, as the runners
  build it;
- :class:`ReIDFeatureExtractor`: features of images, a folder or a
  dataloader; :class:`ReIDInferencer`: query images against a gallery;
- :func:`crgan_render`, :func:`dgnet_swap`, :func:`slsr_sample`: each
  method's generation; :class:`CRGANPairRenderer` and
  :func:`render_crgan_folder` write a folder of CR-GAN renderings,
  :func:`crgan_render_metrics` measures them;
- :func:`export_onnx`, :func:`verify_onnx`: the feature extractor as ONNX.
"""
from mmreidgen.config import find_config, load_config
from mmreidgen.utils.image_files import list_images

from .data import build_dataloader
from .feature_extraction import (
    ExportableExtractor,
    ReIDFeatureExtractor,
    test_pipeline_of,
)
from .generation import (
    crgan_render,
    dgnet_interpolate,
    dgnet_swap,
    slsr_sample,
)
from .inference import ReIDInferencer
from .model import init_model, load_weights
from .onnx_export import export_onnx, verify_onnx
from .rendering import (
    CRGANPairRenderer,
    crgan_render_metrics,
    render_crgan_folder,
)

__all__ = [
    'load_config', 'find_config', 'init_model', 'load_weights',
    'build_dataloader', 'test_pipeline_of',
    'ReIDFeatureExtractor', 'ExportableExtractor', 'ReIDInferencer',
    'list_images', 'crgan_render', 'dgnet_swap', 'dgnet_interpolate',
    'slsr_sample', 'CRGANPairRenderer', 'render_crgan_folder',
    'crgan_render_metrics', 'export_onnx', 'verify_onnx'
]
