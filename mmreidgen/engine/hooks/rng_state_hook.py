"""Random number generator states in checkpoints, for exact resume."""
import random
from typing import Optional

import torch
from mmengine.hooks import Hook

from mmreidgen.registry import HOOKS


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Save the RNG states with each checkpoint; restore them on resume.

    mmengine's resume restores weights, optimisers, schedulers and the
    iteration, re-seeds, and advances the dataloader by the iterations
    done, but a GAN's noise, dropout or random erasing drawn in the model
    then comes from other random numbers than in the uninterrupted run.
    The models draw from torch's and Python's generators, the data
    transforms from numpy's (re-drawn identically by the dataloader
    advance, which runs the same transforms). This hook stores the torch
    (and CUDA) and Python states in the checkpoint's ``meta`` and sets them
    back just before the first iteration after a resume, so a resumed run
    draws what the uninterrupted one drew (exactly, unless the checkpoint
    fell on the last iteration of a sampler epoch, where the dataloader's
    restart draws a torch seed). ``tools/train.py`` adds it to every run;
    it changes nothing unless a run resumes.
    """

    priority = 'VERY_LOW'

    def __init__(self) -> None:
        self._pending: Optional[dict] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = dict(torch=torch.get_rng_state(), python=random.getstate())
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            state['cuda'] = torch.cuda.get_rng_state_all()
        checkpoint.setdefault('meta', {})['rng_state'] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._pending = (checkpoint.get('meta') or {}).get('rng_state')

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        if self._pending is None:
            return
        state, self._pending = self._pending, None
        torch.set_rng_state(state['torch'])
        version, internal, gauss = state['python']
        random.setstate((version, tuple(internal), gauss))
        if 'cuda' in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state['cuda'])
