"""ONNX export of the re-id feature extractor of a checkpoint.

The exported graph takes raw images as the dataloader yields them,
``N x 3 x H x W`` float32 **BGR** pixel values in [0, 255], and returns the
test-time embedding ``N x D``: the data preprocessor's colour conversion
and normalisation, the model's ``extract_feat`` (backbone, pooling,
BN-neck, flip averaging and L2 normalisation as set in ``test_cfg``) are
all in the graph (:class:`~mmreidgen.apis.ExportableExtractor`). Any model
with ``extract_feat`` exports (the baseline, and CR-GAN / DG-Net, whose
``extract_feat`` is their re-id branch).

The current exporter, ``torch.onnx.export(..., dynamo=True)`` (built on
``torch.export``; needs ``onnxscript``), writes the file, which
``onnx.checker`` then checks. The legacy TorchScript exporter runs only
when the current one fails, with a warning naming the failure (see
``docs/en/pretrained.md``, "ONNX export"). :func:`verify_onnx` compares
onnxruntime with PyTorch. ``tools/deployment/pytorch2onnx.py`` is the
command line.
"""
import os
import os.path as osp
import warnings
from typing import Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config

from .feature_extraction import ExportableExtractor
from .model import init_model


def _find_resize(node):
    if isinstance(node, dict):
        if node.get('type') == 'ReIDResize' and 'scale' in node:
            return tuple(node['scale'])
        node = list(node.values())
    if isinstance(node, (list, tuple)):
        for value in node:
            found = _find_resize(value)
            if found:
                return found
    return None


def input_size_of(cfg: Config) -> Tuple[int, int]:
    """``(H, W)`` of the first ``ReIDResize`` in the test dataloader.

    Raises:
        ValueError: There is none.
    """
    scale = _find_resize(cfg.get('test_dataloader', {}))
    if scale is None:
        raise ValueError('No ReIDResize in test_dataloader; pass --shape H W.')
    return scale


def build_extractor(cfg: Config, checkpoint: str) -> ExportableExtractor:
    """The model of ``cfg`` with ``checkpoint`` loaded strictly (through
    :func:`mmreidgen.apis.init_model`), as an :class:`ExportableExtractor`.
    """
    return ExportableExtractor(init_model(cfg, checkpoint)).eval()


def export_onnx(extractor: ExportableExtractor, output_file: str,
                shape: Tuple[int, int], batch_size: int = 1,
                dynamic_batch: bool = True, opset: int = 18) -> str:
    """Write ``extractor`` to ``output_file`` (input ``images``, output
    ``features``) and check it with ``onnx.checker``.

    The current exporter (``torch.onnx.export(..., dynamo=True)``, built on
    ``torch.export``; needs ``onnxscript``) is used. Only when it fails does
    the legacy TorchScript exporter run, with a warning naming the error.

    Args:
        extractor (ExportableExtractor): The module to export.
        output_file (str): The ``.onnx`` file (its folder is created).
        shape (tuple[int, int]): Input ``(H, W)``.
        batch_size (int): Batch size of the example input. Defaults to 1.
        dynamic_batch (bool): A dynamic batch axis. Defaults to True.
        opset (int): ONNX opset. Defaults to 18.

    Returns:
        str: ``'dynamo'`` or ``'legacy'``, the exporter that wrote the file.
    """
    import onnx
    dummy = torch.rand(batch_size, 3, *shape) * 255
    os.makedirs(osp.dirname(osp.abspath(output_file)), exist_ok=True)
    names = dict(input_names=['images'], output_names=['features'])
    try:
        # A batch of 1 would be specialised by torch.export, so the
        # dynamic batch axis is traced with a batch of 2.
        example = dummy.expand(max(batch_size, 2), -1, -1, -1).clone() \
            if dynamic_batch else dummy
        dynamic = dict(images={0: torch.export.Dim('batch')}) \
            if dynamic_batch else None
        torch.onnx.export(
            extractor, (example, ), output_file, dynamo=True,
            dynamic_shapes=dynamic, opset_version=opset, optimize=True,
            verbose=False, **names)
        used = 'dynamo'
    except Exception as e:  # noqa: BLE001 (any exporter failure)
        warnings.warn(
            'torch.onnx.export(dynamo=True) failed '
            f'({type(e).__name__}: {str(e).splitlines()[0][:300]}); '
            'falling back to the legacy TorchScript exporter.')
        axes = dict(images={0: 'batch'}, features={0: 'batch'})
        with warnings.catch_warnings():
            warnings.filterwarnings('ignore', category=DeprecationWarning)
            torch.onnx.export(
                extractor, (dummy, ), output_file, dynamo=False,
                dynamic_axes=axes if dynamic_batch else None,
                opset_version=opset, do_constant_folding=True, **names)
        used = 'legacy'
    onnx.checker.check_model(output_file, full_check=True)
    written = max(o.version for o in onnx.load(output_file).opset_import
                  if o.domain in ('', 'ai.onnx'))
    if written != opset:
        warnings.warn(f'{output_file} has opset {written}, not the requested '
                      f'{opset} (the version converter could not convert '
                      f'it); onnx.checker passed for opset {written}.')
    return used


def verify_onnx(extractor: ExportableExtractor, output_file: str,
                shape: Tuple[int, int], batch_sizes: Sequence[int] = (1, 3),
                seed: int = 0) -> float:
    """Largest absolute difference of onnxruntime and PyTorch features on
    random images.

    Args:
        extractor (ExportableExtractor): The exported module.
        output_file (str): Its ``.onnx`` file.
        shape (tuple[int, int]): Input ``(H, W)``.
        batch_sizes (Sequence[int]): A random batch of each size. Defaults
            to (1, 3).
        seed (int): Seed of the images. Defaults to 0.

    Returns:
        float: The maximum absolute difference of the features.
    """
    import onnxruntime as ort
    session = ort.InferenceSession(
        output_file, providers=['CPUExecutionProvider'])
    gen = torch.Generator().manual_seed(seed)
    worst = 0.0
    for batch in batch_sizes:
        images = torch.rand(batch, 3, *shape, generator=gen) * 255
        with torch.no_grad():
            expected = extractor(images).numpy()
        got = session.run(['features'], {'images': images.numpy()})[0]
        if got.shape != expected.shape:
            raise AssertionError(
                f'onnxruntime returned {got.shape}, PyTorch '
                f'{expected.shape} for a batch of {batch}.')
        worst = max(worst, float(np.abs(got - expected).max()))
    return worst
