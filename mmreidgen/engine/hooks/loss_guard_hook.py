"""Stop training on NaN/Inf or exploding losses, keeping good checkpoints."""
import math
import os.path as osp
import re
from collections import deque
from typing import Deque, Dict, Optional, Sequence

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log

from mmreidgen.registry import HOOKS


class LossDivergedError(FloatingPointError):
    """Training stopped because a loss or the weights became non-finite or
    exploded."""


@HOOKS.register_module()
class LossGuardHook(Hook):
    """Stop training when a loss is NaN/Inf or explodes.

    After every training iteration it looks at the losses that
    ``RuntimeInfoHook`` has just put in the message hub as Python floats
    (``train/<name>``), so it adds no device synchronisation and no tensor
    work: a few dict look-ups per iteration. Training stops with
    :class:`LossDivergedError`, whose message names the loss, its value,
    the iteration and the last checkpoint written, when

    - a loss is NaN or +/-Inf (always checked);
    - ``abs(loss) > max_value`` (when ``max_value`` is set);
    - ``abs(loss) > ratio * median(abs(loss))`` of the last ``window``
      finite values of that loss, ``patience`` iterations in a row (when
      ``ratio`` is set; e.g. a GAN whose discriminator or generator loss
      leaves its usual range).

    The hook runs before ``CheckpointHook`` (priority ``ABOVE_NORMAL``), so
    the state of a failed iteration is never saved. In addition, with
    ``check_weights=True``, a checkpoint about to be written whose
    floating-point weights are not all finite is refused (this costs one
    pass over the weights per checkpoint, not per iteration): the bad state
    never replaces the last good checkpoint.

    In distributed training each rank checks its own losses; a rank that
    stops makes ``torchrun`` end the others.

    Args:
        keys (str): Regular expression (``re.search``) selecting the logged
            values to check. Defaults to ``'loss'`` (every value whose name
            contains ``loss``; accuracies are ignored).
        max_value (float, optional): Absolute limit of any checked loss.
            Defaults to None (no limit).
        ratio (float, optional): Explosion factor over the running median.
            Defaults to None (off).
        window (int): Values in the running median. Defaults to 50.
        patience (int): Consecutive exploding iterations before stopping.
            Defaults to 1.
        check_weights (bool): Refuse to save a checkpoint with non-finite
            weights. Defaults to True.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self,
                 keys: str = 'loss',
                 max_value: Optional[float] = None,
                 ratio: Optional[float] = None,
                 window: int = 50,
                 patience: int = 1,
                 check_weights: bool = True) -> None:
        if max_value is not None and not max_value > 0:
            raise ValueError(f'max_value must be > 0, got {max_value}')
        if ratio is not None and not ratio > 1:
            raise ValueError(f'ratio must be > 1, got {ratio}')
        if window < 1 or patience < 1:
            raise ValueError(
                f'window and patience must be >= 1, got {window} and '
                f'{patience}')
        self.keys = re.compile(keys)
        self.max_value = max_value
        self.ratio = ratio
        self.window = window
        self.patience = patience
        self.check_weights = check_weights
        self._history: Dict[str, Deque[float]] = {}
        self._strikes: Dict[str, int] = {}

    @staticmethod
    def _last_checkpoint(runner) -> str:
        # CheckpointHook updates this pointer only after a successful save.
        pointer = osp.join(runner.work_dir, 'last_checkpoint')
        last = None
        if osp.isfile(pointer):
            with open(pointer, encoding='utf-8', errors='replace') as f:
                last = f.read().strip()
        if last and osp.isfile(last):
            return (f'The last good checkpoint is {last}; continue from '
                    f'it with `--resume {last}`')
        return 'No checkpoint had been written yet'

    def _stop(self, runner, name: str, value: float, why: str) -> None:
        iteration = runner.iter + 1
        msg = (f'Training stopped at iteration {iteration}: loss '
               f"'{name}' = {value!r} {why}. {self._last_checkpoint(runner)}"
               ' (the diverged state was not saved). Usual fixes: a lower '
               'learning rate or a longer warm-up (param_scheduler), '
               'gradient clipping (optim_wrapper.clip_grad=dict(max_norm='
               '...)), for GANs a lower discriminator learning rate; check '
               'the input data for broken images. Relax or remove '
               'LossGuardHook in custom_hooks only if such values are '
               'expected.')
        print_log(msg, logger='current', level=40)
        raise LossDivergedError(msg)

    def _check(self, runner, name: str, value: float) -> None:
        if not math.isfinite(value):
            self._stop(runner, name, value, 'is not finite')
        size = abs(value)
        if self.max_value is not None and size > self.max_value:
            self._stop(runner, name, value,
                       f'exceeds max_value={self.max_value:g}')
        if self.ratio is None:
            return
        history = self._history.setdefault(name,
                                           deque(maxlen=self.window))
        if len(history) == self.window:
            median = sorted(history)[self.window // 2]
            if size > self.ratio * max(median, 1e-12):
                strikes = self._strikes.get(name, 0) + 1
                self._strikes[name] = strikes
                if strikes >= self.patience:
                    self._stop(
                        runner, name, value,
                        f'is over {self.ratio:g} x its median {median:.4g} '
                        f'of the last {self.window} iterations '
                        f'({strikes} iteration(s) in a row)')
                # An outlier does not enter the reference window.
                return
        self._strikes[name] = 0
        history.append(size)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        """Check the losses logged for this iteration."""
        if not outputs:
            return
        scalars = runner.message_hub.log_scalars
        for name in outputs:
            if not self.keys.search(name):
                continue
            buffer = scalars.get(f'train/{name}')
            if buffer is None:
                continue
            self._check(runner, name, float(buffer.current()))

    @staticmethod
    def _non_finite(state_dict: dict) -> Sequence[str]:
        bad = []
        for key, value in state_dict.items():
            if (isinstance(value, torch.Tensor)
                    and value.is_floating_point()
                    and not bool(torch.isfinite(value).all())):
                bad.append(key)
        return bad

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Refuse to save weights that hold NaN or Inf."""
        if not self.check_weights:
            return
        bad = self._non_finite(checkpoint.get('state_dict', {}))
        if not bad:
            return
        iteration = checkpoint.get('meta', {}).get('iter', runner.iter)
        msg = (f'Training stopped at iteration {iteration}: {len(bad)} '
               f'weight tensor(s) hold NaN or Inf (e.g. {bad[0]}), so this '
               f'checkpoint was not saved. {self._last_checkpoint(runner)}.'
               ' Usual fixes: a lower learning rate, a longer warm-up or '
               'gradient clipping (optim_wrapper.clip_grad=dict(max_norm='
               '...)).')
        print_log(msg, logger='current', level=40)
        raise LossDivergedError(msg)
