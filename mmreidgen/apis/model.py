"""Build a model from a config and load its weights strictly."""
import os.path as osp
from typing import Optional, Union

import torch.nn as nn
from mmengine.config import Config

from mmreidgen.config import load_config
from mmreidgen.registry import MODELS
from mmreidgen.utils.checkpoint_check import check_checkpoint_compatible
from mmreidgen.utils.setup_env import register_all_modules


def init_model(config: Union[str, Config],
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               stage: Optional[str] = None,
               cfg_options: Optional[dict] = None) -> nn.Module:
    """Build ``config``'s model, load ``checkpoint`` strictly, eval mode.

    The one loader of the toolbox: tools, demos and pipeline stages use it.
    A checkpoint of another model, or one with another number of classes,
    stops with one message (:func:`check_checkpoint_compatible`); keys
    saved by a distributed wrapper (``module.``) are accepted. Weights are
    read with ``weights_only=True``.

    Args:
        config (str | Config): A config file or a loaded config.
        checkpoint (str, optional): A ``.pth`` written by training. Defaults
            to None (initial weights).
        device (str): Defaults to 'cpu'.
        stage (str, optional): For a pipeline config, build the model of
            this stage. Defaults to None: the pipeline's top-level model.
        cfg_options (dict, optional): Overrides. Defaults to None.

    Returns:
        nn.Module: The model, on ``device``, in eval mode, with the loaded
        config as ``model.cfg`` (as mmpretrain's ``init_model``): the
        feature extractor and the inferencer take their test pipeline
        from it.
    """
    register_all_modules()
    if isinstance(config, str):
        config = load_config(config, cfg_options, stage=stage)
    elif stage is not None:
        raise ValueError('pass stage= with a config path, not a Config')
    # Building reads no file: weights a model loads in init_weights
    # (pretrained backbones, DG-Net's teacher) come from the checkpoint.
    model = MODELS.build(config.model)
    if checkpoint is not None:
        load_weights(model, checkpoint)
    model.cfg = config
    return model.to(device).eval()


def load_weights(model: nn.Module, checkpoint: str) -> nn.Module:
    """Load a training checkpoint into ``model`` strictly.

    Args:
        model (nn.Module): The built model.
        checkpoint (str): A ``.pth`` file.

    Returns:
        nn.Module: ``model``.
    """
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(
            f'Checkpoint {checkpoint} does not exist; pass a .pth file '
            'written by tools/train.py (e.g. <work_dir>/iter_N.pth or '
            '<work_dir>/<stage>/final.pth).')
    from mmreidgen.engine.checkpoint import load_checkpoint_file
    ckpt = load_checkpoint_file(checkpoint)
    check_checkpoint_compatible(
        model, ckpt, filename=f'Checkpoint {checkpoint}')
    state = ckpt.get('state_dict', ckpt)
    state = {
        k[7:] if k.startswith('module.') else k: v
        for k, v in state.items()
    }
    model.load_state_dict(state, strict=True)
    return model
