"""Channels-last memory format for convolutional models."""
import torch
from mmengine.hooks import Hook

from mmreidgen.registry import HOOKS


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Store the model's 4-D weights and the input batches channels-last.

    Convolutions in NHWC run faster on recent GPUs with cuDNN (tensor
    cores) and often on CPUs with oneDNN. Results are the same up to
    floating-point rounding. ``tools/train.py --channels-last`` and
    ``tools/test.py --channels-last`` add this hook.
    """

    priority = 'VERY_HIGH'

    @staticmethod
    def _convert(runner) -> None:
        model = runner.model
        model.to(memory_format=torch.channels_last)
        module = getattr(model, 'module', model)
        preprocessor = getattr(module, 'data_preprocessor', None)
        if preprocessor is not None:
            preprocessor.channels_last = True

    def before_train(self, runner) -> None:
        self._convert(runner)

    def before_val(self, runner) -> None:
        self._convert(runner)

    def before_test(self, runner) -> None:
        self._convert(runner)
