"""CR-GAN: instance-guided context rendering for cross-domain re-id.

Chen, Zhu and Gong, "Instance-Guided Context Rendering for Cross-Domain
Person Re-Identification", ICCV 2019. One model carries every network of
Algorithm 1 (``G``, ``D_d``, ``D_cam``, ``D_id``) so that the three stages
share one checkpoint layout; ``train_stage`` selects what a training step
does.
"""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapperDict

from mmreidgen.registry import MODELS
from mmreidgen.structures import ReIDDataSample, set_pred_features

from .base_gan import BaseGAN, set_requires_grad

STAGES = ('pretrain', 'gan', 'finetune')
RENDERERS = ('generator', 'cut_paste', 'source')
MASK_SOURCES = ('file', 'center_box')


def local_max_pool(feat_map: torch.Tensor, num_parts: int = 6,
                   part_reduce: str = 'mean') -> torch.Tensor:
    """Local max pooling (LMP) of SPGAN (Deng et al., CVPR 2018).

    The feature map is cut into ``num_parts`` horizontal stripes, each is
    max-pooled, and the stripe features are averaged (``'mean'``),
    max-pooled (``'max'``) or concatenated (``'concat'``). A stripe hit by
    a generation artefact then weighs less than under global pooling.

    Args:
        feat_map (torch.Tensor): ``BxCxHxW`` backbone output.
        num_parts (int): Stripes; clipped to ``H``. Defaults to 6.
        part_reduce (str): ``'mean'``, ``'max'`` or ``'concat'``.
            Defaults to 'mean'.

    Returns:
        torch.Tensor: ``BxC`` (``Bx(P*C)`` with ``'concat'``).
    """
    if part_reduce not in ('mean', 'max', 'concat'):
        raise ValueError(
            "part_reduce must be 'mean', 'max' or 'concat', got "
            f'{part_reduce!r}')
    if num_parts < 1:
        raise ValueError(f'num_parts must be >= 1, got {num_parts}')
    parts = min(num_parts, feat_map.size(2))
    stripes = F.adaptive_max_pool2d(feat_map, (parts, 1)).flatten(2)
    if part_reduce == 'mean':
        return stripes.mean(2)
    if part_reduce == 'max':
        return stripes.amax(2)
    return stripes.transpose(1, 2).flatten(1)


@MODELS.register_module()
class CRGAN(BaseGAN):
    """Instance-guided context rendering (Algorithm 1 of CR-GAN).

    Batches hold ``(source, target)`` pairs from ``TwoDomainSampler``: even
    positions are source images ``X_S`` (person id = ``gt_label``), odd
    positions target images ``X_T`` (camera = ``camid``); both with person
    masks. ``train_stage`` runs one stage of Algorithm 1:

    - ``'pretrain'`` (I): ``D_id`` learns the source ids (its own head
      loss) and ``D_cam`` the target cameras, each with its optimizer.
    - ``'gan'`` (II): ``D_d`` and ``G`` alternate (``BaseGAN``), ``G``
      minimising Eq. (8)
      ``lambda_adv L_adv + lambda_id L_id + lambda_cam L_cam +
      lambda_con L_con`` against frozen ``D_id`` and ``D_cam`` (eval mode);
      ``G`` takes ``gan_cfg['second_half_generator_steps']`` steps per
      iteration in the second half of training (Sec. 4.1).
    - ``'finetune'`` (III): ``D_id`` is fine-tuned on ``X_G`` rendered on
      the fly by the frozen ``G`` from the batch's random pairs, with the
      source ids as labels.

    Tests (``predict``) always embed with ``D_id``, optionally with local
    max pooling (``test_cfg['lmp']``).

    ``G``, ``D_d`` and ``D_cam`` work on RGB in [-1, 1]; ``D_id`` on the
    data preprocessor's normalisation. Conversions happen here.

    Args:
        generator (dict): ``CRGANGenerator`` config.
        discriminator (dict): Domain discriminator ``D_d`` config.
        identity_discriminator (dict): ``D_id``, a ``ReIDBaseline`` config
            whose head has one class per source id.
        camera_discriminator (dict, optional): ``D_cam`` config with one
            class per target camera. Required with ``loss_cam``.
        loss_adv (dict): Eq. (4), ``LSGANLoss`` (weight 2 in the paper).
        loss_id (dict, optional): Eq. (7), ``CrossEntropyLoss`` (weight
            1); None removes the term (ablation).
        loss_cam (dict, optional): Eq. (5), ``CrossEntropyLoss`` (weight
            1); None removes it.
        loss_con (dict, optional): Eq. (6), ``CRGANContextLoss`` (weight
            5); None removes it.
        train_stage (str): ``'pretrain'``, ``'gan'`` or ``'finetune'``.
            Defaults to 'gan'.
        gan_cfg (dict, optional): ``second_half_generator_steps``
            (default 2).
        finetune_cfg (dict, optional): ``renderer``: ``'generator'``
            (CR-GAN, default), ``'cut_paste'`` (supplementary Sec. 6.2) or
            ``'source'`` (the real source image: a control with the same
            schedule but no rendering); ``render_prob``: chance that a
            sample is rendered rather than kept real (default 1.0: only
            rendered images, as in Algorithm 1).
        mask_source (str): Where the person masks ``M_S``, ``M_T`` come
            from: ``'file'`` (default; mask files loaded by
            ``LoadReIDImage(with_mask=True)``, a missing one is an error)
            or ``'center_box'`` (no parser: a fixed box over the middle 60%
            of the width and the lower 95% of the height, where re-id
            boxes put the person; a coarse prior, documented as weaker).
        test_cfg (dict, optional): ``lmp`` (default False), ``lmp_parts``
            (6), ``lmp_reduce`` ('mean'). The LMP embedding is taken
            before the BN-neck (pooled statistics differ from the
            average-pooled ones it was fitted to) and L2-normalised; flip
            follows ``D_id``'s ``test_cfg``.
        data_preprocessor (dict, optional): Defaults to
            ``ReIDDataPreprocessor``.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 generator: dict,
                 discriminator: dict,
                 identity_discriminator: dict,
                 camera_discriminator: Optional[dict],
                 loss_adv: dict,
                 loss_id: Optional[dict],
                 loss_cam: Optional[dict],
                 loss_con: Optional[dict],
                 train_stage: str = 'gan',
                 gan_cfg: Optional[dict] = None,
                 finetune_cfg: Optional[dict] = None,
                 mask_source: str = 'file',
                 test_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if train_stage not in STAGES:
            raise ValueError(
                f'train_stage must be one of {STAGES}, got {train_stage!r}')
        self.train_stage = train_stage
        self.generator = MODELS.build(generator)
        self.discriminator = MODELS.build(discriminator)
        self.identity_discriminator = MODELS.build(identity_discriminator)
        self.camera_discriminator = MODELS.build(camera_discriminator) \
            if camera_discriminator is not None else None
        if loss_cam is not None and self.camera_discriminator is None:
            raise ValueError(
                'loss_cam needs camera_discriminator=dict(type='
                "'CRGANCameraDiscriminator', num_classes=<target cameras>)"
                '; or set loss_cam=None for the "w/o camera loss" ablation.')
        self.loss_adv = MODELS.build(loss_adv)
        self.loss_id = MODELS.build(loss_id) if loss_id else None
        self.loss_cam = MODELS.build(loss_cam) if loss_cam else None
        self.loss_con = MODELS.build(loss_con) if loss_con else None

        self.gan_cfg = dict(second_half_generator_steps=2)
        self.gan_cfg.update(gan_cfg or {})
        self.finetune_cfg = dict(renderer='generator', render_prob=1.0)
        self.finetune_cfg.update(finetune_cfg or {})
        renderer = self.finetune_cfg['renderer']
        if renderer not in RENDERERS:
            raise ValueError(
                f'finetune_cfg.renderer must be one of {RENDERERS}, got '
                f'{renderer!r}')
        if not 0 <= self.finetune_cfg['render_prob'] <= 1:
            raise ValueError(
                'finetune_cfg.render_prob must be in [0, 1], got '
                f"{self.finetune_cfg['render_prob']}")
        if mask_source not in MASK_SOURCES:
            raise ValueError(
                f'mask_source must be one of {MASK_SOURCES}, got '
                f'{mask_source!r}')
        self.mask_source = mask_source
        self.cut_paste = MODELS.build(dict(type='CRGANCutPaste')) \
            if renderer == 'cut_paste' else None
        self.test_cfg = dict(lmp=False, lmp_parts=6, lmp_reduce='mean')
        self.test_cfg.update(test_cfg or {})
        set_requires_grad(self.frozen_modules, False)

    # -- what each stage trains ------------------------------------------
    @property
    def frozen_modules(self) -> List[nn.Module]:
        """Modules that the current stage neither updates nor puts in
        training mode."""
        cam = [self.camera_discriminator] \
            if self.camera_discriminator is not None else []
        if self.train_stage == 'pretrain':
            return [self.generator, self.discriminator]
        if self.train_stage == 'gan':
            return [self.identity_discriminator] + cam
        return [self.generator, self.discriminator] + cam

    def train(self, mode: bool = True) -> 'CRGAN':
        super().train(mode)
        for module in self.frozen_modules:
            module.eval()
        return self

    def num_generator_steps(self, cur_iter: int) -> int:
        """One generator step in the first half, then
        ``second_half_generator_steps`` (Sec. 4.1)."""
        max_iters = MessageHub.get_current_instance().get_info('max_iters')
        if max_iters and cur_iter >= max_iters // 2:
            return self.gan_cfg['second_half_generator_steps']
        return self.generator_steps

    # -- data -------------------------------------------------------------
    def _norm_stats(self, like: torch.Tensor):
        pre = self.data_preprocessor
        if getattr(pre, '_enable_normalize', False):
            return pre.mean.to(like), pre.std.to(like)
        return like.new_zeros(1), like.new_ones(1)

    def to_gan_space(self, inputs: torch.Tensor) -> torch.Tensor:
        """Preprocessed images to RGB in [-1, 1]."""
        mean, std = self._norm_stats(inputs)
        return (inputs * std + mean) / 127.5 - 1

    def to_reid_space(self, images: torch.Tensor) -> torch.Tensor:
        """RGB in [-1, 1] to the preprocessor's normalisation."""
        mean, std = self._norm_stats(images)
        return ((images + 1) * 127.5 - mean) / std

    def split_pairs(self, inputs: torch.Tensor,
                    data_samples: List[ReIDDataSample],
                    need_masks: bool = True) -> Dict:
        """Split a two-domain batch into source and target halves.

        Returns:
            dict: ``source``/``target`` (RGB in [-1, 1]),
            ``source_inputs`` (as preprocessed), ``source_samples``,
            ``source_mask``/``target_mask`` (``Bx1xHxW``, when
            ``need_masks``), ``pid`` (source labels) and ``camid``
            (target cameras).
        """
        if inputs.size(0) % 2:
            raise ValueError(
                f'CRGAN needs (source, target) pairs, got an odd batch of '
                f'{inputs.size(0)}; use sampler=dict(type='
                "'TwoDomainSampler') and an even batch_size.")
        domains = [s.metainfo.get('domain') for s in data_samples]
        if any(d is not None for d in domains):
            expected = ['source', 'target'] * (len(domains) // 2)
            if domains != expected:
                raise ValueError(
                    'CRGAN expects source images at even and target images '
                    f'at odd batch positions, got domains {domains[:6]}...; '
                    'use ConcatDataset([source, target]) with '
                    "sampler=dict(type='TwoDomainSampler').")
        src_samples, tgt_samples = data_samples[0::2], data_samples[1::2]
        batch = dict(
            source_inputs=inputs[0::2],
            source=self.to_gan_space(inputs[0::2]),
            target=self.to_gan_space(inputs[1::2]),
            source_samples=src_samples,
            pid=torch.stack([s.gt_label for s in src_samples]).to(
                inputs.device).long(),
            camid=torch.tensor([int(s.metainfo['camid'])
                                for s in tgt_samples], device=inputs.device))
        if need_masks and self.mask_source == 'center_box':
            box = self.center_box_mask(batch['source'])
            batch['source_mask'] = batch['target_mask'] = box
        elif need_masks:
            stack = self.data_preprocessor.stack_masks
            batch['source_mask'] = stack(src_samples, like=inputs)
            batch['target_mask'] = stack(tgt_samples, like=inputs)
        return batch

    @staticmethod
    def center_box_mask(images: torch.Tensor) -> torch.Tensor:
        """``Bx1xHxW`` box prior: the middle 60% of the width, the lower
        95% of the height."""
        b, _, h, w = images.shape
        mask = images.new_zeros(b, 1, h, w)
        mask[..., int(round(0.05 * h)):, int(round(0.2 * w)):
             int(round(0.8 * w))] = 1
        return mask

    def render(self, batch: Dict, renderer: str = 'generator') -> Dict:
        """Render a split batch with ``G`` or a non-learnt renderer."""
        if renderer == 'source':
            return dict(fake=batch['source'])
        module = self.cut_paste if renderer == 'cut_paste' else \
            self.generator
        return module(
            source=batch['source'], target=batch['target'],
            source_mask=batch.get('source_mask'),
            target_mask=batch.get('target_mask'))

    # -- training ----------------------------------------------------------
    def train_step(self, data: Union[dict, list],
                   optim_wrapper: OptimWrapperDict
                   ) -> Dict[str, torch.Tensor]:
        if self.train_stage == 'gan':
            return super().train_step(data, optim_wrapper)
        if not isinstance(optim_wrapper, OptimWrapperDict):
            raise TypeError(
                'CRGAN trains with one optimizer per sub-module: '
                "optim_wrapper=dict(constructor='MultiOptimWrapperConstructor"
                "', identity_discriminator=dict(optimizer=...), ...); got "
                f'{type(optim_wrapper).__name__}.')
        data = self.data_preprocessor(data, True)
        if self.train_stage == 'pretrain':
            return self.pretrain_step(data['inputs'], data['data_samples'],
                                      optim_wrapper)
        return self.finetune_step(data['inputs'], data['data_samples'],
                                  optim_wrapper)

    def pretrain_step(self, inputs: torch.Tensor,
                      data_samples: List[ReIDDataSample],
                      optim_wrapper: OptimWrapperDict) -> Dict:
        """Stage I: ``D_id`` on source ids, ``D_cam`` on target cameras
        (with ``loss_cam``, whose weight then scales the pre-training)."""
        batch = self.split_pairs(inputs, data_samples, need_masks=False)
        with optim_wrapper['identity_discriminator'].optim_context(
                self.identity_discriminator):
            losses = self.identity_discriminator.loss(
                batch['source_inputs'], batch['source_samples'])
        log_vars = {
            f'id_{k}': v for k, v in self.update(
                losses, optim_wrapper, 'identity_discriminator').items()
        }
        # D_cam is only needed (and so only trained) for the camera loss.
        if self.loss_cam is not None:
            with optim_wrapper['camera_discriminator'].optim_context(
                    self.camera_discriminator):
                cam_losses = self.camera_losses(batch)
            log_vars.update({
                f'cam_{k}': v for k, v in self.update(
                    cam_losses, optim_wrapper,
                    'camera_discriminator').items()
            })
        return log_vars

    def camera_losses(self, batch: Dict) -> Dict[str, torch.Tensor]:
        """Stage I, ``D_cam``: classify the target images' cameras."""
        logits = self.camera_discriminator(batch['target'])
        return dict(
            loss_cls=self.loss_cam(logits, batch['camid']),
            acc=(logits.argmax(1) == batch['camid']).float().mean().detach())

    def discriminator_losses(self, batch: Dict, fake: torch.Tensor
                             ) -> Dict[str, torch.Tensor]:
        """Stage II, ``D_d`` side of Eq. (4): targets real, the
        renderings ``fake`` of the batch fake."""
        return dict(
            loss_d_real=self.loss_adv(
                self.discriminator(batch['target']), True, is_disc=True),
            loss_d_fake=self.loss_adv(
                self.discriminator(fake), False, is_disc=True))

    def train_discriminator(self, inputs: torch.Tensor,
                            data_samples: List[ReIDDataSample],
                            optim_wrapper: OptimWrapperDict) -> Dict:
        """Stage II, ``D_d`` step of Eq. (4): targets real, renders fake."""
        batch = self.split_pairs(inputs, data_samples)
        with torch.no_grad():
            fake = self.render(batch)['fake']
        with optim_wrapper['discriminator'].optim_context(
                self.discriminator):
            losses = self.discriminator_losses(batch, fake)
        return self.update(losses, optim_wrapper, 'discriminator')

    def generator_losses(self, batch: Dict, out: Dict
                         ) -> Dict[str, torch.Tensor]:
        """The terms of Eq. (8) for one rendered batch."""
        fake = out['fake']
        losses = dict(loss_adv=self.loss_adv(self.discriminator(fake), True))
        if self.loss_id is not None:
            d_id = self.identity_discriminator
            _, _, logits = d_id.head(d_id.feature_map(
                self.to_reid_space(fake)))
            losses['loss_id'] = self.loss_id(logits, batch['pid'])
        if self.loss_cam is not None:
            losses['loss_cam'] = self.loss_cam(
                self.camera_discriminator(fake), batch['camid'])
        if self.loss_con is not None:
            losses['loss_con'] = self.loss_con(
                fake, batch['source'], batch['target'],
                batch['source_mask'], batch['target_mask'])
        if 'context_mask' in out:
            losses['context_mask_mean'] = out['context_mask'].mean().detach()
        return losses

    def train_generator(self, inputs: torch.Tensor,
                        data_samples: List[ReIDDataSample],
                        optim_wrapper: OptimWrapperDict) -> Dict:
        """Stage II, ``G`` step minimising Eq. (8)."""
        batch = self.split_pairs(inputs, data_samples)
        with optim_wrapper['generator'].optim_context(self.generator):
            losses = self.generator_losses(batch, self.render(batch))
        return self.update(losses, optim_wrapper, 'generator')

    def finetune_step(self, inputs: torch.Tensor,
                      data_samples: List[ReIDDataSample],
                      optim_wrapper: OptimWrapperDict) -> Dict:
        """Stage III: ``D_id`` on on-the-fly renderings with source ids."""
        renderer = self.finetune_cfg['renderer']
        batch = self.split_pairs(
            inputs, data_samples, need_masks=renderer != 'source')
        images = self.finetune_images(batch)
        with optim_wrapper['identity_discriminator'].optim_context(
                self.identity_discriminator):
            losses = self.identity_discriminator.loss(
                images, batch['source_samples'])
        return self.update(losses, optim_wrapper, 'identity_discriminator')

    @torch.no_grad()
    def finetune_images(self, batch: Dict) -> torch.Tensor:
        """Stage III's training images: renderings of the source images
        (each kept as it is with probability ``1 - render_prob``), in the
        re-id normalisation."""
        fake = self.render(batch, self.finetune_cfg['renderer'])['fake']
        prob = self.finetune_cfg['render_prob']
        if prob < 1:
            keep = torch.rand(fake.size(0), 1, 1, 1,
                              device=fake.device) >= prob
            fake = torch.where(keep, batch['source'], fake)
        return self.to_reid_space(fake.clamp(-1, 1))

    # -- inference ---------------------------------------------------------
    def extract_feat(self, inputs: torch.Tensor) -> torch.Tensor:
        """Re-id embedding of ``D_id``, with LMP if ``test_cfg['lmp']``."""
        d_id = self.identity_discriminator
        if not self.test_cfg['lmp']:
            return d_id.extract_feat(inputs)
        parts, reduce = self.test_cfg['lmp_parts'], \
            self.test_cfg['lmp_reduce']
        feat = local_max_pool(d_id.feature_map(inputs), parts, reduce)
        if d_id.test_cfg.get('flip'):
            feat = feat + local_max_pool(
                d_id.feature_map(inputs.flip(3)), parts, reduce)
        return F.normalize(feat, dim=1)

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[ReIDDataSample]] = None,
                mode: str = 'tensor') -> Union[List, torch.Tensor]:
        if mode == 'predict':
            return set_pred_features(data_samples, self.extract_feat(inputs))
        if mode == 'tensor':
            return self.extract_feat(inputs)
        raise ValueError(
            f"CRGAN.forward supports mode 'predict' and 'tensor', got "
            f'{mode!r}; training goes through train_step.')

    @torch.no_grad()
    def visual_rows(self, data: Union[dict, list], max_pairs: int = 8
                    ) -> Dict[str, torch.Tensor]:
        """Images for a ``X_S | X'_T | X_C | X_G`` grid, RGB in [0, 1].

        Args:
            data (dict | list): A two-domain data batch, as from the loader.
            max_pairs (int): Pairs shown. Defaults to 8.

        Returns:
            dict[str, torch.Tensor]: ``source``, ``masked_target``,
            ``context_mask`` (3 channels) and ``fake``, each ``Nx3xHxW``.
        """
        data = self.data_preprocessor(data, False)
        batch = self.split_pairs(data['inputs'], data['data_samples'])
        n = min(max_pairs, batch['source'].size(0))
        batch = {k: v[:n] for k, v in batch.items()}
        out = self.render(batch)
        masked = out.get('masked_target', batch['target'])
        mask = out.get('context_mask', torch.zeros_like(batch['source_mask']))
        rows = dict(
            source=(batch['source'] + 1) / 2,
            masked_target=(masked + 1) / 2,
            context_mask=mask.expand(-1, 3, -1, -1),
            fake=(out['fake'] + 1) / 2)
        return {k: v.clamp(0, 1) for k, v in rows.items()}
