"""What DG-Net's generator and E_a can do when the soft labels start."""
import random
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from mmreidgen.registry import HOOKS

from .dgnet_loss_ramp_hook import DGNetLossRampHook

DATA_BATCH = Optional[dict]


@contextmanager
def _kept_random_state() -> Iterator[None]:
    """Leave Python's, numpy's and torch's generators as they were, so
    that a diagnosis changes nothing the training draws afterwards."""
    states = (random.getstate(), np.random.get_state(),
              torch.get_rng_state())
    try:
        yield
    finally:
        random.setstate(states[0])
        np.random.set_state(states[1])
        torch.set_rng_state(states[2])


@HOOKS.register_module()
class DGNetDiagnosticHook(Hook):
    """Diagnose DG-Net at the start and at the end of its warm-up.

    Sec. 3.3 of DG-Net (Zheng et al., CVPR 2019) switches on the re-id
    losses on generated images (Eqs. (8), (9)) "after 30K iterations", once
    generation is stable. Whether it is, at that point of a given run, is
    what this hook measures: after ``begin`` and after ``end`` iterations
    of the ramp ``ramp`` of the run's :class:`DGNetLossRampHook` it logs

    - ``recon_l1``, ``teacher_agree_app`` and ``teacher_agree_struct`` of
      :meth:`DGNet.diagnose` on ``num_images`` fixed training images (the
      same ones both times, with the training pipeline's augmentation):
      how often the teacher recognises the appearance identity of a
      swapped image, the label Eq. (6) gives it;
    - E_a's test metrics (``reid/mAP``, ...), from one run of the
      validation loop, when the run has one.

    Each value is written to the log and to the visualizer's scalars as
    ``diag/warmup_start/<name>`` and ``diag/warmup_end/<name>``. The random
    generators are left as they were, so the training that follows draws
    the same numbers as without the hook.

    Args:
        ramp (str): The ramp that marks the warm-up. Defaults to 'prim'.
        num_images (int): Training images to diagnose on (an even number
            of at least 4). Defaults to 128.
        batch_size (int): Images per forward pass. Defaults to 32.
        evaluate (bool): Also run the validation loop. Defaults to True.
    """

    priority = 'LOW'

    def __init__(self, ramp: str = 'prim', num_images: int = 128,
                 batch_size: int = 32, evaluate: bool = True) -> None:
        if num_images < 4 or num_images % 2:
            raise ValueError(
                f'num_images must be an even number >= 4, got {num_images}')
        self.ramp = ramp
        self.num_images = num_images
        self.batch_size = batch_size
        self.evaluate = evaluate
        self.points: Dict[int, List[str]] = {}

    def before_train(self, runner) -> None:
        ramps = [h for h in runner.hooks if isinstance(h, DGNetLossRampHook)]
        if not ramps or self.ramp not in ramps[0].ramps:
            raise ValueError(
                f'DGNetDiagnosticHook diagnoses at the ramp {self.ramp!r} of '
                'a DGNetLossRampHook, which this run does not have; add the '
                'ramp hook or set ramp= to one of its ramps.')
        begin, end = ramps[0].ramps[self.ramp]
        self.points = {}
        for at, tag in ((begin, 'warmup_start'), (end, 'warmup_end')):
            self.points.setdefault(at, []).append(tag)

    def after_train_iter(self, runner, batch_idx: int,
                         data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        tags = self.points.get(runner.iter + 1)
        if not tags:
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        with _kept_random_state():
            values = self.diagnose(model, runner.train_dataloader.dataset)
            if self.evaluate and runner.val_loop is not None:
                values.update(runner.val_loop.run())
        model.train()
        scalars = {f'diag/{tag}/{k}': float(v)
                   for tag in tags for k, v in values.items()}
        runner.visualizer.add_scalars(scalars, step=runner.iter + 1)
        print_log(
            f'DG-Net diagnosis after {runner.iter + 1} iterations '
            f'({", ".join(tags)}): '
            + ', '.join(f'{k} {v:.4f}' for k, v in values.items()),
            logger='current')

    def diagnose(self, model, dataset) -> Dict[str, float]:
        """:meth:`DGNet.diagnose` on the fixed images of ``dataset``."""
        num = min(self.num_images, len(dataset)) // 2 * 2
        order = torch.randperm(
            len(dataset), generator=torch.Generator().manual_seed(0))[:num]
        inputs, labels = [], []
        model.eval()
        for start in range(0, num, self.batch_size):
            items = [dataset[int(i)] for i in order[start:start +
                                                    self.batch_size]]
            data = model.data_preprocessor(
                dict(inputs=[item['inputs'] for item in items],
                     data_samples=[item['data_samples'] for item in items]),
                False)
            inputs.append(data['inputs'])
            labels += [s.gt_label.view(-1)[0] for s in data['data_samples']]
        # One pass over all of them, so that image i's partner is the
        # same whatever the batch size.
        return model.diagnose(torch.cat(inputs),
                              torch.stack(labels).to(inputs[0].device))
