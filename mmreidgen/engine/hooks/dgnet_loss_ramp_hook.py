"""Linear warm-up of DG-Net's re-id losses on generated images."""
from typing import Dict, Optional, Sequence

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmreidgen.registry import HOOKS

DATA_BATCH = Optional[dict]


@HOOKS.register_module()
class DGNetLossRampHook(Hook):
    """Ramp loss weights of DG-Net linearly from 0 to their configured value.

    Sec. 3.3 of DG-Net (Zheng et al., CVPR 2019): "we add in the two losses
    after 30K iterations on Market-1501, then linearly increase
    lambda_prim from 0 to 2 in 4K iterations and set lambda_fine =
    0.2 lambda_prim" (Eq. (10)). Each ramp ``name: (begin, end)`` sets
    ``model.loss_scales[name]`` before every training iteration to
    ``clip((iter - begin) / (end - begin), 0, 1)`` (a step at ``begin``
    when ``end == begin``); the model multiplies the ``loss_weight`` of the
    loss by it. The value is a function of the iteration only, so a
    resumed run continues the ramp where it stopped. The scales are logged
    as ``ramp_<name>``.

    Args:
        ramps (dict): ``{name: (begin, end)}`` with names known to the
            model, e.g. ``dict(prim=(30000, 34000), fine=(30000, 34000))``
            for the paper; the reference code also ramps ``code_app`` and
            ``code_struct`` over (30000, 32000) and ``cycle`` over (30000,
            34000).
    """

    priority = 'NORMAL'

    def __init__(self, ramps: Dict[str, Sequence[int]]) -> None:
        if not ramps:
            raise ValueError('DGNetLossRampHook needs at least one ramp, '
                             "e.g. ramps=dict(prim=(30000, 34000))")
        self.ramps = {}
        for name, span in ramps.items():
            if len(span) != 2 or span[1] < span[0] or span[0] < 0:
                raise ValueError(
                    f'ramp {name!r} must be (begin, end) with 0 <= begin <= '
                    f'end, got {span}')
            self.ramps[name] = (int(span[0]), int(span[1]))

    @staticmethod
    def value(cur_iter: int, begin: int, end: int) -> float:
        """The multiplier at ``cur_iter`` (0-based)."""
        if end == begin:
            return float(cur_iter >= begin)
        return min(max((cur_iter - begin) / (end - begin), 0.0), 1.0)

    def _apply(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        scales = getattr(model, 'loss_scales', None)
        if not isinstance(scales, dict):
            raise TypeError(
                f'DGNetLossRampHook needs a model with a `loss_scales` dict '
                f'(DGNet); got {type(model).__name__}.')
        for name, (begin, end) in self.ramps.items():
            value = self.value(runner.iter, begin, end)
            scales[name] = value
            runner.message_hub.update_scalar(f'train/ramp_{name}', value)

    def before_train(self, runner) -> None:
        self._apply(runner)

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch: DATA_BATCH = None) -> None:
        self._apply(runner)
