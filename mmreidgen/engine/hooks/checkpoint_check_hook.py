"""Refuse to test or resume from a checkpoint that does not fit the model."""
from mmengine.hooks import Hook

from mmreidgen.registry import HOOKS
from mmreidgen.utils.checkpoint_check import check_checkpoint_compatible


@HOOKS.register_module()
class CheckpointCheckHook(Hook):
    """Check a loaded checkpoint against the model before it is applied.

    mmengine loads checkpoints non-strictly and only logs what did not fit.
    This hook runs in ``after_load_checkpoint`` (before the weights are
    copied into the model) and raises
    :class:`~mmreidgen.utils.checkpoint_check.CheckpointMismatchError`
    with the missing, unexpected and mis-shaped keys and the fix.
    ``tools/test.py`` adds it with ``on_load=True``; ``tools/train.py``
    adds it for resuming only, so that ``load_from`` can still fine-tune
    from a checkpoint with another classifier.

    Args:
        on_resume (bool): Check when the run resumes (``resume=True``).
            Defaults to True.
        on_load (bool): Check a plain ``load_from``. Defaults to False.
    """

    priority = 'VERY_HIGH'

    def __init__(self, on_resume: bool = True, on_load: bool = False) -> None:
        self.on_resume = on_resume
        self.on_load = on_load

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Raise if ``checkpoint`` does not fit ``runner.model``."""
        resuming = bool(runner.cfg.get('resume', False))
        if not (self.on_resume if resuming else self.on_load):
            return
        path = runner.cfg.get('load_from')
        name = f'Checkpoint {path}' if path else (
            'The resumed checkpoint' if resuming else 'The checkpoint')
        check_checkpoint_compatible(runner.model, checkpoint, filename=name)
