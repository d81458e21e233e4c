"""The per-cluster DCGAN of SLSR."""
from typing import Dict, List, Optional, Union

import torch
from mmengine.optim import OptimWrapperDict

from mmreidgen.registry import MODELS
from mmreidgen.structures import ReIDDataSample

from .base_gan import BaseGAN


@MODELS.register_module()
class SLSRDCGAN(BaseGAN):
    """A DCGAN trained on the images of one k-means cluster (SLSR step 2).

    Ainam et al., "Sparse Label Smoothing for Semi-supervised Person
    Re-Identification" (IEEE Access 2019), Eq. (3) and Sec. 4.1::

        L_GAN = log D(x) + log(1 - D(G(z))),   z ~ U(-1, 1)^100

    The discriminator maximises ``L_GAN`` (binary cross-entropy with real
    images labelled 1 and generated ones 0); the generator minimises the
    non-saturating form ``-log D(G(z))``, as in DCGAN and the authors'
    code. The generator is updated ``generator_steps`` times (2 in the
    paper's code) after every discriminator update, with the discriminator
    frozen (:class:`BaseGAN`). Real images are scaled to [-1, 1] by the
    data preprocessor (mean = std = 127.5), matching the generator's tanh.

    Args:
        generator (dict): Generator config, e.g.
            ``dict(type='SLSRDCGANGenerator')``.
        discriminator (dict): Discriminator config, e.g.
            ``dict(type='SLSRDCGANDiscriminator')``.
        gan_loss (dict, optional): Binary cross-entropy on the
            discriminator's logits. Defaults to
            ``dict(type='mmpretrain.CrossEntropyLoss', use_sigmoid=True)``.
        data_preprocessor (dict, optional): Defaults to
            ``ReIDDataPreprocessor`` mapping pixels to [-1, 1].
        generator_steps (int): Generator updates per discriminator update.
            Defaults to 2.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 generator: dict,
                 discriminator: dict,
                 gan_loss: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 generator_steps: int = 2,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor or dict(
                type='ReIDDataPreprocessor',
                mean=(127.5, 127.5, 127.5),
                std=(127.5, 127.5, 127.5)),
            discriminator_steps=1,
            generator_steps=generator_steps,
            init_cfg=init_cfg)
        self.generator = MODELS.build(generator)
        self.discriminator = MODELS.build(discriminator)
        self.gan_loss = MODELS.build(
            gan_loss
            or dict(type='mmpretrain.CrossEntropyLoss', use_sigmoid=True))

    def _bce(self, logits: torch.Tensor, real: bool) -> torch.Tensor:
        target = torch.full_like(logits, 1.0 if real else 0.0)
        return self.gan_loss(logits[:, None], target[:, None])

    def train_discriminator(self, inputs: torch.Tensor,
                            data_samples: List[ReIDDataSample],
                            optim_wrapper: OptimWrapperDict) -> Dict:
        """Maximise Eq. (3) over D: ``log D(x) + log(1 - D(G(z)))``."""
        with optim_wrapper['discriminator'].optim_context(
                self.discriminator):
            losses = self.discriminator_losses(inputs)
        return self.update(losses, optim_wrapper, 'discriminator')

    def train_generator(self, inputs: torch.Tensor,
                        data_samples: List[ReIDDataSample],
                        optim_wrapper: OptimWrapperDict) -> Dict:
        """Minimise ``-log D(G(z))`` over G (non-saturating Eq. (3))."""
        with optim_wrapper['generator'].optim_context(self.generator):
            losses = self.generator_losses(inputs.size(0))
        return self.update(losses, optim_wrapper, 'generator')

    def discriminator_losses(self, inputs: torch.Tensor
                             ) -> Dict[str, torch.Tensor]:
        """The D side of Eq. (3) on real ``inputs`` and as many images
        drawn from G (without gradient to G)."""
        with torch.no_grad():
            fake = self.generator(inputs.size(0))
        return dict(
            loss_d_real=self._bce(self.discriminator(inputs), True),
            loss_d_fake=self._bce(self.discriminator(fake), False))

    def generator_losses(self, num: int) -> Dict[str, torch.Tensor]:
        """The non-saturating G side of Eq. (3) on ``num`` drawn
        images."""
        fake = self.generator(num)
        return dict(loss_g=self._bce(self.discriminator(fake), True))

    @torch.no_grad()
    def sample(self,
               num: int,
               generator: Optional[torch.Generator] = None) -> torch.Tensor:
        """Draw ``num`` images with the generator in inference mode.

        Args:
            num (int): Number of images.
            generator (torch.Generator, optional): Random generator of the
                noise. Defaults to None.

        Returns:
            torch.Tensor: ``num x 3 x H x W`` images in [-1, 1].
        """
        was_training = self.generator.training
        self.generator.eval()
        noise = self.generator.sample_noise(num, generator=generator)
        images = self.generator(noise)
        self.generator.train(was_training)
        return images

    def forward(self,
                inputs: Union[torch.Tensor, int],
                data_samples: Optional[list] = None,
                mode: str = 'tensor') -> torch.Tensor:
        """Generate images from noise (``mode='tensor'``).

        Args:
            inputs (torch.Tensor | int): ``B x noise_size`` noise or a
                number of images.
            data_samples (list, optional): Unused.
            mode (str): Only ``'tensor'``; the GAN is trained with
                :meth:`train_step` and has no metric.

        Returns:
            torch.Tensor: Images in [-1, 1].
        """
        if mode != 'tensor':
            raise ValueError(
                f"SLSRDCGAN only supports mode='tensor' (generation), got "
                f'{mode!r}; it is trained through train_step and not '
                'evaluated by a metric.')
        return self.generator(inputs)
