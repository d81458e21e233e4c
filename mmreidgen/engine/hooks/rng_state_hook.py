"""Random number generator states in checkpoints, for exact resume."""
import random
from typing import Optional

import torch
from mmengine.hooks import Hook
from mmengine.runner import IterBasedTrainLoop

from mmreidgen.registry import HOOKS


def _restore(state: dict) -> None:
    torch.set_rng_state(state['torch'])
    version, internal, gauss = state['python']
    random.setstate((version, tuple(internal), gauss))
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


class _RestoreBeforeFetch:
    """Wrap a loop's batch iterator: restore the RNG states just before the
    fetch that follows the ``after`` batches of mmengine's resume advance."""

    def __init__(self, inner, after: int, state: dict) -> None:
        self.inner = inner
        self.after = after
        self.state = state
        self.count = 0

    def __iter__(self):
        return self

    def __next__(self):
        if self.state is not None and self.count == self.after:
            _restore(self.state)
            self.state = None
        self.count += 1
        return next(self.inner)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Save the RNG states with each checkpoint; restore them on resume.

    mmengine's resume restores weights, optimisers, schedulers and the
    iteration, re-seeds, and advances the dataloader by the iterations
    done, but a GAN's noise, dropout or random erasing drawn in the model
    then comes from other random numbers than in the uninterrupted run.
    The models draw from torch's and Python's generators, the data
    transforms from numpy's (re-drawn identically by the advance, which
    runs the same transforms). This hook stores the torch (and CUDA) and
    Python states in the checkpoint's ``meta`` and, after a resume, sets
    them back at the same point of the run: in an iteration-based loop just
    before the first batch after the advance is fetched (a dataloader
    restart there draws its seed from the restored state, as it did), in an
    epoch-based loop before the first epoch. ``tools/train.py`` adds it to
    every run; it changes nothing unless a run resumes, and a checkpoint
    loaded with ``load_from`` (a new stage) keeps the fresh seed.
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

    def before_train(self, runner) -> None:
        state, self._pending = self._pending, None
        if state is None or runner.iter == 0:
            return  # a fresh start (load_from), not a resume
        loop = runner.train_loop
        if isinstance(loop, IterBasedTrainLoop):
            loop.dataloader_iterator = _RestoreBeforeFetch(
                loop.dataloader_iterator, runner.iter, state)
        else:
            _restore(state)
