"""DG-Net: joint discriminative and generative learning for re-id."""
import logging
import math
import os.path as osp
import random
from contextlib import ExitStack, contextmanager
from typing import Dict, Iterator, List, Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.optim import OptimWrapperDict
from mmengine.runner import load_checkpoint
from torch.func import functional_call

from mmreidgen.registry import MODELS
from mmreidgen.structures import ReIDDataSample, set_pred_features

from .base_gan import BaseGAN, unwrap

#: Optimizer-wrapper keys (sub-module names) updated by the generator step.
GENERATOR_KEYS = ('appearance_encoder', 'structure_encoder', 'decoder')

def random_erase(images: torch.Tensor,
                 prob: float = 0.5,
                 area: Tuple[float, float] = (0.02, 0.4),
                 min_aspect: float = 0.3,
                 fill: float = 0.0,
                 attempts: int = 100) -> torch.Tensor:
    """Random erasing (Zhong et al., AAAI 2020) of a copy of ``images``.

    Each image, with probability ``prob``, gets one rectangle of area
    fraction in ``area`` and aspect ratio in ``[min_aspect,
    1 / min_aspect]`` set to ``fill`` (0 in the normalised space, as the
    reference). Up to ``attempts`` draws are made for a rectangle that
    fits.
    """
    out = images.clone()
    height, width = images.shape[-2:]
    for img in out:
        if random.random() >= prob:
            continue
        for _ in range(attempts):
            target = random.uniform(*area) * height * width
            aspect = random.uniform(min_aspect, 1 / min_aspect)
            h = int(round(math.sqrt(target * aspect)))
            w = int(round(math.sqrt(target / aspect)))
            if 0 < h < height and 0 < w < width:
                top = random.randint(0, height - h)
                left = random.randint(0, width - w)
                img[:, top:top + h, left:left + w] = fill
                break
    return out


@contextmanager
def _dropout_off(module: nn.Module) -> Iterator[None]:
    """Put the dropout layers of ``module`` in eval mode for a while."""
    layers = [
        m for m in module.modules()
        if isinstance(m, nn.modules.dropout._DropoutNd) and m.training
    ]
    for m in layers:
        m.eval()
    try:
        yield
    finally:
        for m in layers:
            m.train()


def frozen_call(module: nn.Module, *args, dropout: bool = True):
    """Call ``module`` as a frozen copy of itself, without copying it.

    Parameters are detached (gradients still reach the inputs but never
    the parameters) and buffers are cloned (batch-norm running statistics
    of the module are left untouched while BN still normalises with the
    batch statistics in train mode). This is what the reference gets by
    deep-copying E_a and E_s every iteration.
    """
    module = unwrap(module)
    params = {k: v.detach() for k, v in module.named_parameters()}
    buffers = {k: v.clone() for k, v in module.named_buffers()}
    with ExitStack() as stack:
        if not dropout:
            stack.enter_context(_dropout_off(module))
        return functional_call(module, (params, buffers), args)


@MODELS.register_module()
class DGNet(BaseGAN):
    """DG-Net (Zheng et al., "Joint Discriminative and Generative Learning
    for Person Re-identification", CVPR 2019).

    The generative module (appearance encoder E_a, structure encoder E_s,
    decoder G, discriminator D) swaps appearance and structure codes
    between images; E_a is also the re-id network and learns from the
    generated images online (Fig. 2). The generator-side objective is
    Eq. (10)::

        L = l_img (L_img1 + L_img2) + L_code1 + L_code2 + L_id^s
            + l_id L_id^c + L_adv + l_prim L_prim + l_fine L_fine

    with Eqs. (1)-(9): self (1) and same-identity (2) image
    reconstruction, appearance (4) and structure (5) code reconstruction,
    identification of real (3) and generated (6) images, the adversarial
    loss (7), the teacher's dynamic soft labels (8) and fine-grained
    identification with the structure identity (9). Every weight is the
    ``loss_weight`` of the matching loss config; ``l_prim`` and
    ``l_fine`` are ramped up by :class:`DGNetLossRampHook` through
    :attr:`loss_scales`.

    Batches come from ``PositivePairSampler``: even positions are anchors
    ``x_i``, odd positions a same-identity image ``x_t``. Among the B
    anchors, anchor ``i`` takes the structure of anchor ``(i + B // 2) mod
    B`` for cross-identity generation (the reference's "a" and "b" loaders
    are the two halves; the paper's batch is B = 16).

    Where the reference code departs from the paper, the paper is the
    default and the reference is one switch away (see
    ``configs/dgnet/README.md``):

    - ``detach_appearance_code``: the reference detaches E_a's code, so
      generation losses never reach E_a and Eq. (4) has no gradient at all.
      Paper: False.
    - ``reencode``: ``'live'`` (paper) encodes generated images with the
      live E_a and E_s, which Eqs. (4)-(6) then train; ``'frozen'``
      (reference) uses frozen copies of E_a (dropout off, batch-norm on
      batch statistics) and, with probability ``1 -
      structure_live_prob``, of E_s; otherwise the live E_s encodes the
      detached image.
    - ``fine_on_real``: the reference also trains the fine head on real
      images with their labels (weight ``l_fine``). Paper: False. Both use
      the structure identity for generated images (Eq. (9)).
    - ``teacher_bn``: ``'eval'`` (a fixed teacher) or ``'train'`` (the
      reference: the teacher's BN uses the batch statistics of generated
      images and updates its running statistics).

    Args:
        appearance_encoder (dict): ``DGNetAppearanceEncoder`` config.
        structure_encoder (dict): ``DGNetStructureEncoder`` config.
        decoder (dict): ``DGNetDecoder`` config.
        discriminator (dict): ``DGNetDiscriminator`` config.
        teacher (dict): The teacher re-id model, a ``ReIDBaseline`` config
            with the same ``num_classes``; frozen.
        teacher_ckpt (str, optional): Checkpoint of the trained teacher,
            loaded by :meth:`init_weights`. Defaults to None (random
            teacher, with a warning).
        loss_img_recon (dict): Eq. (1); ``loss_weight`` is ``l_img``. The
            weights of every ``loss_*`` are the config's:
            ``configs/dgnet/dgnet_r50_market.py`` sets the paper's.
        loss_img_recon_pos (dict): Eq. (2).
        loss_code_app (dict): Eq. (4).
        loss_code_struct (dict): Eq. (5).
        loss_id (dict): Eq. (3), on anchors and positives (prim head).
        loss_id_gen (dict): Eq. (6); ``loss_weight`` is ``l_id``.
        loss_adv (dict): Eq. (7), generator side: a least-squares loss
            (``LSGANLoss``) summed over the discriminator's scales; the
            reference weighs it by 2.
        loss_disc (dict): Eq. (7), discriminator side: ``sum_s
            mean(D_s(fake)^2) + mean((D_s(real) - 1)^2)``, un-halved as in
            the reference (``LSGANLoss`` called as a plain term).
        loss_r1 (dict): R1 penalty on real images (weight 0 switches it
            off in effect).
        loss_prim (dict): Eq. (8), KL divergence to the teacher's soft
            labels; ``loss_weight`` is ``l_prim``.
        loss_fine (dict): Eq. (9); ``loss_weight`` is ``l_fine``.
        loss_cycle (dict, optional): The reference's cycle loss
            ``|x_i - G(E_a(x_j^i), E_s(x_i^j))|``. Defaults to None (off,
            not in the paper).
        detach_appearance_code (bool): See above. Defaults to False.
        reencode (str): 'live' or 'frozen'. Defaults to 'live'.
        structure_live_prob (float): With ``reencode='frozen'``.
            Defaults to 0.5.
        fine_on_real (bool): Defaults to False.
        teacher_bn (str): 'eval' or 'train'. Defaults to 'eval'.
        erasing_prob (float): Random erasing of the copies of real images
            whose logits feed Eq. (3) (codes come from unerased images).
            Defaults to 0.5.
        direction_sum (bool): Sum every loss over its two directions
            (a->b and b->a halves of the batch) as the reference does,
            i.e. twice the batch mean, which keeps its effective step
            sizes. Defaults to True.
        generated_id_losses (bool): The identity losses on generated
            images, Eqs. (6), (8) and (9). False leaves them out (as
            ``l_id = l_prim = l_fine = 0``) while the real images keep
            theirs (Eq. (3), and ``fine_on_real``): the control that
            isolates what the generated images add. Defaults to True.
        generation (bool): Run the generative module (E_s, G, D). False
            trains E_a on the identity losses of real images only, the
            same computation for E_a as ``generated_id_losses=False``
            with the reference's ``detach_appearance_code=True`` and
            ``reencode='frozen'`` (then nothing generated reaches E_a) at
            a fraction of the cost; any other setting is refused.
            Defaults to True.
        data_preprocessor (dict, optional): Defaults to
            ``ReIDDataPreprocessor``.
        test_cfg (dict, optional): ``feature``: 'both' (default), 'prim'
            or 'fine'; ``flip`` (default True); ``fine_weight``: the
            weight beta of the fine half's similarity in the score
            (Sec. 4.3, default 0.5; the reference's alpha).
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 appearance_encoder: dict,
                 structure_encoder: dict,
                 decoder: dict,
                 discriminator: dict,
                 teacher: dict,
                 teacher_ckpt: Optional[str] = None,
                 *,
                 loss_img_recon: dict,
                 loss_img_recon_pos: dict,
                 loss_code_app: dict,
                 loss_code_struct: dict,
                 loss_id: dict,
                 loss_id_gen: dict,
                 loss_adv: dict,
                 loss_disc: dict,
                 loss_r1: dict,
                 loss_prim: dict,
                 loss_fine: dict,
                 loss_cycle: Optional[dict] = None,
                 detach_appearance_code: bool = False,
                 reencode: str = 'live',
                 structure_live_prob: float = 0.5,
                 fine_on_real: bool = False,
                 teacher_bn: str = 'eval',
                 erasing_prob: float = 0.5,
                 direction_sum: bool = True,
                 generated_id_losses: bool = True,
                 generation: bool = True,
                 data_preprocessor: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if reencode not in ('live', 'frozen'):
            raise ValueError(
                f"reencode must be 'live' (paper) or 'frozen' (reference), "
                f'got {reencode!r}')
        if teacher_bn not in ('eval', 'train'):
            raise ValueError(
                f"teacher_bn must be 'eval' or 'train', got {teacher_bn!r}")
        if not 0 <= structure_live_prob <= 1 or not 0 <= erasing_prob <= 1:
            raise ValueError(
                'structure_live_prob and erasing_prob must be in [0, 1], '
                f'got {structure_live_prob} and {erasing_prob}')
        if not generation and (generated_id_losses or reencode != 'frozen'
                               or not detach_appearance_code):
            raise ValueError(
                'generation=False trains E_a as DG-Net would only when '
                'nothing generated reaches E_a: set generated_id_losses='
                "False, detach_appearance_code=True and reencode='frozen' "
                f'(got {generated_id_losses}, {detach_appearance_code}, '
                f'{reencode!r}).')
        self.appearance_encoder = MODELS.build(appearance_encoder)
        self.structure_encoder = MODELS.build(structure_encoder)
        self.decoder = MODELS.build(decoder)
        self.discriminator = MODELS.build(discriminator)
        self.teacher = MODELS.build(teacher)
        self.teacher.requires_grad_(False)
        self.teacher_ckpt = teacher_ckpt
        self._check_shapes()

        losses = dict(
            loss_img_recon=loss_img_recon,
            loss_img_recon_pos=loss_img_recon_pos,
            loss_code_app=loss_code_app,
            loss_code_struct=loss_code_struct,
            loss_id=loss_id,
            loss_id_gen=loss_id_gen,
            loss_adv=loss_adv,
            loss_disc=loss_disc,
            loss_r1=loss_r1,
            loss_prim=loss_prim,
            loss_fine=loss_fine)
        for name, cfg in losses.items():
            self.add_module(name, MODELS.build(cfg))
        self.loss_cycle = MODELS.build(loss_cycle) if loss_cycle else None

        self.detach_appearance_code = detach_appearance_code
        self.reencode = reencode
        self.structure_live_prob = structure_live_prob
        self.fine_on_real = fine_on_real
        self.teacher_bn = teacher_bn
        self.erasing_prob = erasing_prob
        self.direction_factor = 2.0 if direction_sum else 1.0
        self.generated_id_losses = generated_id_losses
        self.generation = generation
        #: Multipliers of loss weights by name ('prim', 'fine',
        #: 'code_app', 'code_struct', 'cycle'), set every iteration by
        #: DGNetLossRampHook; a missing name means 1.
        self.loss_scales: Dict[str, float] = {}
        self.train(self.training)  # puts the teacher in its mode
        self.test_cfg = dict(feature='both', flip=True, fine_weight=0.5)
        self.test_cfg.update(test_cfg or {})
        if self.test_cfg['feature'] not in ('both', 'prim', 'fine'):
            raise ValueError(
                "test_cfg.feature must be 'both', 'prim' or 'fine', got "
                f"{self.test_cfg['feature']!r}")
        if self.test_cfg['fine_weight'] < 0:
            raise ValueError('test_cfg.fine_weight must be >= 0, got '
                             f"{self.test_cfg['fine_weight']}")
        self._cache: Optional[dict] = None

    def _check_shapes(self) -> None:
        enc, dec = self.appearance_encoder, self.decoder
        if dec.code_dim != enc.code_dim:
            raise ValueError(
                f'decoder.code_dim={dec.code_dim} but the appearance code '
                f'has {enc.code_dim} dims (in_channels x num_stripes); set '
                'them equal in the config.')
        if dec.in_channels != self.structure_encoder.out_channels:
            raise ValueError(
                f'decoder.in_channels={dec.in_channels} but the structure '
                f'code has {self.structure_encoder.out_channels} channels.')
        num_teacher = getattr(self.teacher, 'num_classes', None)
        if num_teacher != enc.num_classes:
            raise ValueError(
                f'the teacher has {num_teacher} classes, E_a '
                f'{enc.num_classes}; both must be the training identities.')

    # -- weights ---------------------------------------------------------
    def init_weights(self) -> None:
        """Initialise the modules, then load the teacher's checkpoint.

        With ``teacher_ckpt`` the teacher's own init (e.g. ImageNet weights)
        is skipped: its checkpoint replaces every weight.
        """
        if self.teacher_ckpt is not None:
            if not osp.isfile(self.teacher_ckpt):
                raise FileNotFoundError(
                    f'teacher checkpoint {self.teacher_ckpt} does not exist; '
                    "train the teacher first (the pipeline's teacher stage) "
                    'or set model.teacher_ckpt to a trained ReIDBaseline.')
            self.teacher._is_init = True
        super().init_weights()
        if self.teacher_ckpt is None:
            print_log(
                'DGNet: model.teacher_ckpt is None, so the teacher has '
                'random weights and L_prim (Eq. (8)) learns nothing useful. '
                "Run the pipeline's teacher stage or set model.teacher_ckpt "
                'to a trained ReIDBaseline checkpoint.',
                logger='current',
                level=logging.WARNING)
            return
        from mmreidgen.utils import register_safe_globals
        register_safe_globals()
        load_checkpoint(
            self.teacher,
            self.teacher_ckpt,
            map_location='cpu',
            strict=True,
            logger='current')
        print_log(f'DGNet: teacher loaded from {self.teacher_ckpt}',
                  logger='current')

    def train(self, mode: bool = True) -> 'DGNet':
        """Keep the teacher in eval mode (BN in train mode if asked)."""
        super().train(mode)
        self.teacher.eval()
        if mode and self.teacher_bn == 'train':
            for m in self.teacher.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    m.train()
        return self

    def scale(self, name: str) -> float:
        """Ramp multiplier of the loss ``name`` (1 when not ramped)."""
        return float(self.loss_scales.get(name, 1.0))

    # -- building blocks -------------------------------------------------
    def encode(self, images: torch.Tensor
               ) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(appearance code a, structure code s)`` of ``images``."""
        code = self.appearance_encoder(images)[0]
        return code, self.structure_encoder(images)

    def decode(self, code: torch.Tensor,
               structure: torch.Tensor) -> torch.Tensor:
        """``G(a, s)``, in the normalised image space."""
        return self.decoder(code, structure)

    @torch.no_grad()
    def teacher_soft_labels(self, images: torch.Tensor) -> torch.Tensor:
        """The teacher's dynamic soft label ``q(x)`` of Eq. (8).

        The average of the softmax of the image and of its horizontal flip.
        """
        probs = 0
        for imgs in (images, images.flip(3)):
            logits = self.teacher.head(self.teacher.feature_map(imgs))[2]
            probs = probs + F.softmax(logits.float(), dim=1)
        return probs / 2

    def _split_batch(
        self, inputs: torch.Tensor, data_samples: List[ReIDDataSample]
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Anchors, positives, labels and the cross-generation partner."""
        if inputs.size(0) < 4 or inputs.size(0) % 2:
            raise ValueError(
                'DGNet needs at least two (anchor, positive) pairs from '
                "sampler=dict(type='PositivePairSampler'), i.e. an even "
                f'batch size >= 4; got batch size {inputs.size(0)}.')
        labels = torch.stack([s.gt_label for s in data_samples]).to(
            inputs.device).view(-1)
        x, xp = inputs[0::2], inputs[1::2]
        y = labels[0::2]
        if not torch.equal(y, labels[1::2]):
            raise ValueError(
                'odd batch positions must hold a positive of the preceding '
                "anchor; use sampler=dict(type='PositivePairSampler') and "
                'no shuffling collate.')
        num = x.size(0)
        partner = torch.arange(num, device=x.device).roll(num // 2)
        return x, xp, y, partner

    def _encode_real(self, x: torch.Tensor, xp: torch.Tensor) -> dict:
        """E_a on the anchors and positives: codes from the images, the
        logits of Eq. (3) from randomly erased copies."""
        enc = self.appearance_encoder
        code, logit_prim, logit_fine = enc(x)
        code_p, logit_prim_p, _ = enc(xp)
        if self.erasing_prob > 0:
            _, logit_prim, logit_fine = enc(
                random_erase(x, self.erasing_prob))
            _, logit_prim_p, _ = enc(random_erase(xp, self.erasing_prob))
        if self.detach_appearance_code:
            code, code_p = code.detach(), code_p.detach()
        return dict(code=code, code_p=code_p, logit_prim=logit_prim,
                    logit_fine=logit_fine, logit_prim_p=logit_prim_p)

    def generate(self, inputs: torch.Tensor,
                 data_samples: List[ReIDDataSample]) -> dict:
        """The forward pass shared by the D and G updates."""
        x, xp, y, partner = self._split_batch(inputs, data_samples)
        s = self.structure_encoder(x)
        outs = self._encode_real(x, xp)
        code, code_p = outs.pop('code'), outs.pop('code_p')
        return dict(
            x=x,
            xp=xp,
            y=y,
            partner=partner,
            s=s,
            code=code,
            **outs,
            x_rec=self.decoder(code, s),
            x_rec_p=self.decoder(code_p, s),
            x_cross=self.decoder(code, s[partner]))

    def _reencode(
        self, images: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Appearance code, prim logits and structure code of generated
        images, for Eqs. (4)-(6)."""
        if self.reencode == 'live':
            code, logits, _ = self.appearance_encoder(images)
            structure = self.structure_encoder(images)
        else:
            code, logits, _ = frozen_call(
                self.appearance_encoder, images, dropout=False)
            if random.random() < self.structure_live_prob:
                structure = self.structure_encoder(images.detach())
            else:
                structure = frozen_call(self.structure_encoder, images)
        if self.detach_appearance_code:
            code = code.detach()
        return code, logits, structure

    # -- updates ---------------------------------------------------------
    @staticmethod
    def _multiscale(loss: nn.Module, outputs: List[torch.Tensor],
                    target_is_real: bool) -> torch.Tensor:
        """Sum of a per-map GAN loss over the discriminator's scales."""
        return sum(loss(out, target_is_real) for out in outputs)

    def train_discriminator(self, inputs: torch.Tensor, data_samples: list,
                            optim_wrapper: OptimWrapperDict) -> Dict:
        """D update, Eq. (7) with the R1 penalty; caches the generation."""
        self._cache = None
        with optim_wrapper['decoder'].optim_context(self.decoder):
            outs = self.generate(inputs, data_samples)
        self._cache = outs
        with optim_wrapper['discriminator'].optim_context(
                self.discriminator):
            losses = self.discriminator_losses(outs)
        log_vars = self.update(losses, optim_wrapper, 'discriminator')
        log_vars['loss_d_total'] = log_vars.pop('loss')
        return log_vars

    def discriminator_losses(self, outs: dict) -> Dict[str, torch.Tensor]:
        """Eq. (7), discriminator side, with the R1 penalty, for the
        output of :meth:`generate`."""
        real = outs['x'].detach().requires_grad_(True)
        d_real = self.discriminator(real)
        d_fake = self.discriminator(outs['x_cross'].detach())
        losses = dict(
            loss_d_real=self._multiscale(self.loss_disc, d_real, True),
            loss_d_fake=self._multiscale(self.loss_disc, d_fake, False),
            loss_d_r1=self.loss_r1(d_real, real))
        return {k: v * self.direction_factor for k, v in losses.items()}

    def real_id_losses(self, outs: dict) -> Dict[str, torch.Tensor]:
        """The identity losses of real images (before the direction sum):
        Eq. (3) on anchors and positives, and the fine head's with
        ``fine_on_real``."""
        y = outs['y']
        losses = dict(loss_id=self.loss_id(outs['logit_prim'], y) +
                      self.loss_id(outs['logit_prim_p'], y))
        w_fine = self.scale('fine')
        if self.fine_on_real and w_fine > 0:
            losses['loss_fine_real'] = w_fine * self.loss_fine(
                outs['logit_fine'], y)
        return losses

    def generator_losses(self, outs: dict) -> Dict[str, torch.Tensor]:
        """Every generator-side and re-id loss of Eq. (10), for the
        output of :meth:`generate`."""
        x, y, partner = outs['x'], outs['y'], outs['partner']
        x_cross = outs['x_cross']
        losses = dict(
            loss_img_recon=self.loss_img_recon(outs['x_rec'], x),
            loss_img_recon_pos=self.loss_img_recon_pos(outs['x_rec_p'], x),
            **self.real_id_losses(outs),
            loss_adv=self._multiscale(self.loss_adv,
                                      self.discriminator(x_cross), True))

        code_re, logit_re, s_re = self._reencode(x_cross)
        losses['loss_code_app'] = self.scale('code_app') * \
            self.loss_code_app(code_re, outs['code'])
        losses['loss_code_struct'] = self.scale('code_struct') * \
            self.loss_code_struct(s_re, outs['s'][partner])
        if self.generated_id_losses:
            # Eq. (6): the identity of the image giving the appearance.
            losses['loss_id_gen'] = self.loss_id_gen(logit_re, y)
        if self.loss_cycle is not None and self.scale('cycle') > 0:
            # The structure of x_i was re-encoded from x_cross[inverse[i]].
            inverse = torch.argsort(partner)
            x_cyc = self.decoder(code_re, s_re[inverse])
            losses['loss_cycle'] = self.scale('cycle') * \
                self.loss_cycle(x_cyc, x)

        w_prim, w_fine = self.scale('prim'), self.scale('fine')
        if not self.generated_id_losses:
            w_prim = w_fine = 0.0
        if w_prim > 0 or w_fine > 0:
            # Re-id learning from generated images trains E_a only.
            fake = x_cross.detach()
            _, logit_prim, logit_fine = self.appearance_encoder(fake)
            if w_prim > 0:
                losses['loss_prim'] = w_prim * self.loss_prim(
                    logit_prim, self.teacher_soft_labels(fake))
            if w_fine > 0:
                # Eq. (9): the identity of the image giving the structure.
                losses['loss_fine'] = w_fine * self.loss_fine(
                    logit_fine, y[partner])
        return {k: v * self.direction_factor for k, v in losses.items()}

    def train_generator(self, inputs: torch.Tensor, data_samples: list,
                        optim_wrapper: OptimWrapperDict) -> Dict:
        """One joint step of E_a (SGD), E_s and G (Adam) on Eq. (10)."""
        outs, self._cache = self._cache, None
        with optim_wrapper['decoder'].optim_context(self.decoder):
            if outs is None:
                outs = self.generate(inputs, data_samples)
            losses = self.generator_losses(outs)
        loss, log_vars = self.parse_losses(losses)
        log_vars['loss_g_total'] = log_vars.pop('loss')
        wrappers = [optim_wrapper[k] for k in GENERATOR_KEYS]
        if any(hasattr(w, 'loss_scaler') for w in wrappers):
            raise NotImplementedError(
                'DGNet steps E_a, E_s and G on one backward pass, which '
                'loss-scaled (float16) optimizer wrappers do not support; '
                'use bfloat16 autocast (tools/train.py --amp --amp-dtype '
                'bfloat16, i.e. AutocastOptimWrapper) or OptimWrapper.')
        if any(w._accumulative_counts != 1 for w in wrappers):
            raise NotImplementedError(
                'DGNet does not support accumulative_counts > 1 for '
                f'{GENERATOR_KEYS}; raise the batch size instead.')
        wrappers[0].backward(loss)
        for wrapper in wrappers:
            wrapper.step()
            wrapper.zero_grad()
        with torch.no_grad():
            log_vars['acc_id'] = (outs['logit_prim'].argmax(1) ==
                                  outs['y']).float().mean().item()
            # Eq. (1)'s L1 itself, without its weight and direction sum.
            log_vars['recon_l1'] = (outs['x_rec'] - outs['x']).abs().mean(
            ).item()
        return log_vars

    def train_step(self, data: Union[dict, list],
                   optim_wrapper: OptimWrapperDict) -> Dict[str, torch.Tensor]:
        """Alternating D and E_a/E_s/G updates; with ``generation=False``
        one E_a update on the identity losses of real images."""
        if self.generation:
            return super().train_step(data, optim_wrapper)
        data = self.data_preprocessor(data, True)
        x, xp, y, _ = self._split_batch(data['inputs'], data['data_samples'])
        outs = dict(self._encode_real(x, xp), y=y)
        losses = {k: v * self.direction_factor
                  for k, v in self.real_id_losses(outs).items()}
        log_vars = self.update(losses, optim_wrapper, 'appearance_encoder')
        log_vars['loss_g_total'] = log_vars.pop('loss')
        with torch.no_grad():
            log_vars['acc_id'] = (outs['logit_prim'].argmax(1) ==
                                  y).float().mean().item()
        return log_vars

    @torch.no_grad()
    def diagnose(self, inputs: torch.Tensor,
                 labels: torch.Tensor) -> Dict[str, float]:
        """How well the generative module works, on normalised images.

        Image ``i`` takes the structure of image ``(i + B // 2) mod B``, as
        in training. Returns ``recon_l1`` (Eq. (1)'s mean absolute error
        of the self-reconstructions), ``teacher_agree_app`` (how often the
        teacher's top-1 class of a swapped image is the identity of the
        image that gave the appearance, the label Eq. (6) uses, over the
        pairs of different identities) and ``teacher_agree_struct`` (the
        same with the structure's identity). Empty without the generative
        module. Call it in eval mode.
        """
        if not self.generation:
            return {}
        num = inputs.size(0)
        partner = torch.arange(num, device=inputs.device).roll(num // 2)
        code, structure = self.encode(inputs)
        recon = self.decode(code, structure)
        swapped = self.decode(code, structure[partner])
        logits = self.teacher.head(self.teacher.feature_map(swapped))[2]
        top1 = logits.argmax(1)
        other = labels != labels[partner]
        out = dict(recon_l1=(recon - inputs).abs().mean().item())
        if other.any():
            out['teacher_agree_app'] = (
                top1[other] == labels[other]).float().mean().item()
            out['teacher_agree_struct'] = (
                top1[other] == labels[partner][other]).float().mean().item()
        return out

    # -- testing ---------------------------------------------------------
    def _embed(self, inputs: torch.Tensor
               ) -> Tuple[torch.Tensor, torch.Tensor]:
        prim, fine = unwrap(self.appearance_encoder).embed(inputs)
        return F.normalize(prim, dim=1), F.normalize(fine, dim=1)

    def extract_feat(self, inputs: torch.Tensor) -> torch.Tensor:
        """The test embedding (Sec. 4.1 (vi)).

        ``f_prim`` and ``f_fine`` are L2-normalised, summed with those of
        the flipped image (``flip``) and normalised again. 'both'
        concatenates ``f_prim`` and ``sqrt(beta) * f_fine``, so a dot
        product (and the euclidean ranking) weighs the fine half's
        similarity by ``beta = fine_weight``.
        """
        prim, fine = self._embed(inputs)
        if self.test_cfg['flip']:
            prim_f, fine_f = self._embed(inputs.flip(3))
            prim = F.normalize(prim + prim_f, dim=1)
            fine = F.normalize(fine + fine_f, dim=1)
        feature = self.test_cfg['feature']
        if feature == 'prim':
            return prim
        if feature == 'fine':
            return fine
        return torch.cat(
            [prim, math.sqrt(self.test_cfg['fine_weight']) * fine], dim=1)

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[ReIDDataSample]] = None,
                mode: str = 'tensor') -> Union[Dict, List, torch.Tensor]:
        if mode == 'tensor':
            return self.extract_feat(inputs)
        if mode == 'predict':
            return set_pred_features(data_samples, self.extract_feat(inputs))
        if mode == 'loss':
            raise NotImplementedError(
                'DGNet trains through train_step (alternating D and '
                "E_a/E_s/G updates); use mode='predict' or 'tensor'.")
        raise ValueError(
            f"mode must be 'loss', 'predict' or 'tensor', got {mode!r}")
