"""The training step shared by every GAN in mmreidgen."""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmengine.logging import MessageHub
from mmengine.model import BaseModel, is_model_wrapper
from mmengine.optim import OptimWrapperDict

from mmreidgen.registry import MODELS


def set_requires_grad(modules: Union[nn.Module, List[nn.Module]],
                      flag: bool) -> None:
    """Switch ``requires_grad`` of all parameters of ``modules``."""
    if isinstance(modules, nn.Module):
        modules = [modules]
    for module in modules:
        for param in module.parameters():
            param.requires_grad_(flag)


class BaseGAN(BaseModel):
    """A model trained by alternating discriminator and generator updates.

    ``train_step`` receives an ``OptimWrapperDict`` whose keys name
    sub-modules (``'generator'``, ``'discriminator'``, ...). Each call
    updates the discriminator(s) once; every ``discriminator_steps`` calls
    it then updates the generator ``generator_steps`` times (see
    :meth:`num_generator_steps`, which subclasses may make depend on the
    iteration) with the discriminators frozen. Subclasses write only
    :meth:`train_discriminator` and :meth:`train_generator`.

    Args:
        data_preprocessor (dict, optional): Defaults to
            ``ReIDDataPreprocessor``.
        discriminator_steps (int): Discriminator updates per generator
            update round. Defaults to 1.
        generator_steps (int): Generator updates per round. Defaults to 1.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 data_preprocessor: Optional[dict] = None,
                 discriminator_steps: int = 1,
                 generator_steps: int = 1,
                 init_cfg: Optional[dict] = None) -> None:
        data_preprocessor = MODELS.build(
            data_preprocessor or dict(type='ReIDDataPreprocessor'))
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if discriminator_steps < 1 or generator_steps < 0:
            raise ValueError(
                'discriminator_steps must be >= 1 and generator_steps >= 0, '
                f'got {discriminator_steps} and {generator_steps}')
        self.discriminator_steps = discriminator_steps
        self.generator_steps = generator_steps

    # -- to be written by subclasses -------------------------------------
    @property
    def discriminators(self) -> List[nn.Module]:
        """Modules frozen during generator updates."""
        return [self.discriminator]

    def train_discriminator(self, inputs: torch.Tensor, data_samples: list,
                            optim_wrapper: OptimWrapperDict) -> Dict:
        raise NotImplementedError

    def train_generator(self, inputs: torch.Tensor, data_samples: list,
                        optim_wrapper: OptimWrapperDict) -> Dict:
        raise NotImplementedError

    # -- shared logic ----------------------------------------------------
    @staticmethod
    def current_iter() -> int:
        return MessageHub.get_current_instance().get_info('iter', 0)

    def num_generator_steps(self, cur_iter: int) -> int:
        """Generator updates in this round; constant by default."""
        return self.generator_steps

    def train_step(self, data: Union[dict, list],
                   optim_wrapper: OptimWrapperDict) -> Dict[str, torch.Tensor]:
        if not isinstance(optim_wrapper, OptimWrapperDict):
            raise TypeError(
                f'{type(self).__name__} needs one optimizer per sub-module: '
                "optim_wrapper=dict(generator=dict(...), "
                f'discriminator=dict(...)), got {type(optim_wrapper)}.')
        data = self.data_preprocessor(data, True)
        inputs, data_samples = data['inputs'], data['data_samples']
        cur_iter = self.current_iter()
        log_vars = dict(
            self.train_discriminator(inputs, data_samples, optim_wrapper))
        if (cur_iter + 1) % self.discriminator_steps == 0:
            set_requires_grad(self.discriminators, False)
            for _ in range(self.num_generator_steps(cur_iter)):
                log_vars.update(
                    self.train_generator(inputs, data_samples,
                                         optim_wrapper))
            set_requires_grad(self.discriminators, True)
        return log_vars

    def update(self, losses: Dict[str, torch.Tensor], optim_wrapper,
               name: str) -> Dict[str, torch.Tensor]:
        """Back-propagate ``losses`` and step ``optim_wrapper[name]``."""
        loss, log_vars = self.parse_losses(losses)
        optim_wrapper[name].update_params(loss)
        return log_vars


def unwrap(model: nn.Module) -> nn.Module:
    """The bare model inside a DDP wrapper."""
    return model.module if is_model_wrapper(model) else model
