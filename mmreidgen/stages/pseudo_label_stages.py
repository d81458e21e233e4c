"""Pseudo-label domain adaptation on an unlabelled target, as a stage.

Cluster Contrast (Dai et al., "Cluster Contrast for Unsupervised Person
Re-Identification", 2021) started from a source-trained re-id model, the
unsupervised domain adaptation setting of its Sec. 4. Each epoch:

1. the target training images' test-time features
   (:class:`~mmreidgen.apis.ReIDFeatureExtractor`);
2. their k-reciprocal Jaccard distances (Zhong et al., CVPR 2017;
   :func:`~mmreidgen.evaluation.functional.k_reciprocal_jaccard`);
3. DBSCAN on them, outliers left out
   (:mod:`mmreidgen.evaluation.functional.pseudo_labels`);
4. a cluster memory started from the cluster means, and
   ``iters_per_epoch`` iterations of P x K batches of the clustered images
   with the cluster contrastive loss and momentum update
   (:class:`~mmreidgen.models.losses.ClusterMemoryLoss`).

The stage only orchestrates; the mathematics is in the modules named above.
"""
import copy
import json
import os
import os.path as osp
import random
import time
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.logging import print_log
from torch.utils.data import DataLoader, Dataset

from mmreidgen.evaluation.functional import k_reciprocal_jaccard
from mmreidgen.evaluation.functional.pseudo_labels import (
    OUTLIER,
    PseudoLabelError,
    check_pseudo_labels,
    cluster_centroids,
    clustering_diagnostics,
    dbscan_pseudo_labels,
)
from mmreidgen.registry import DATASETS, MODELS, STAGES

from .base_stage import BaseStage, read_json, write_json

DIAGNOSTICS_FILE = 'clustering.json'
# Cluster Contrast, Sec. 4.2 (Market-1501).
DEFAULT_CLUSTER = dict(eps=0.6, min_samples=4, k1=30, k2=6)


def _seed(cfg: Config, seed: Optional[int]) -> int:
    if seed is not None:
        return int(seed)
    return int((cfg.get('randomness') or {}).get('seed') or 0)


class SeededDraws(Dataset):
    """A dataset read as ``(draw, index)`` keys, each draw with its own seed.

    Before loading, numpy's and Python's global generators (which the
    augmentations draw from) are seeded from ``(seed, draw)``, so an image's
    augmentation does not depend on the loader's workers or on the draws
    before it.

    Args:
        dataset: The dataset.
        seed (int): The seed of this pass (e.g. of one epoch).
    """

    def __init__(self, dataset, seed: int) -> None:
        self.dataset = dataset
        self.seed = int(seed)

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, key):
        draw, index = key
        state = np.random.SeedSequence([self.seed, int(draw)])
        value = int(state.generate_state(1)[0])
        np.random.seed(value)
        random.seed(value)
        return self.dataset[index]


def save_atomic(obj: Any, path: str) -> None:
    """``torch.save`` through a fsynced temporary file (never half-written).

    The temporary name starts with a dot, so no checkpoint glob sees it.
    """
    folder, base = osp.split(path)
    tmp = osp.join(folder, f'.{base}.tmp-{os.getpid()}')
    with open(tmp, 'wb') as f:
        torch.save(obj, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _spread_over_cameras(own: List[int], cameras: np.ndarray, k: int,
                         rng: np.random.Generator) -> List[int]:
    """``k`` of the images ``own`` of one cluster, as many of its cameras
    as possible: its cameras in random order, round robin, each camera's
    images in random order; a cluster of fewer than ``k`` images gives
    all of them and draws the rest at random."""
    by_camera = {}
    for idx in rng.permutation(own).tolist():
        by_camera.setdefault(int(cameras[idx]), []).append(idx)
    queues = [by_camera[c] for c in rng.permutation(sorted(by_camera))]
    picked = []
    while len(picked) < min(k, len(own)):
        for queue in queues:
            if queue and len(picked) < k:
                picked.append(queue.pop(0))
    if len(picked) < k:
        picked += rng.choice(own, k - len(picked)).tolist()
    return picked


def pk_batches(labels: np.ndarray, num_batches: int, batch_size: int,
               num_instances: int, rng: np.random.Generator,
               cameras: Optional[np.ndarray] = None) -> List[np.ndarray]:
    """P x K batches of image indices: P clusters, K images each.

    P = ``batch_size // num_instances`` clusters are drawn without
    replacement (with replacement when there are fewer), and K images of
    each without replacement (with, from a smaller cluster). Outliers
    (label -1) are never drawn.

    Args:
        cameras (np.ndarray, optional): The camera of each image. Given,
            the K images of a cluster are spread over as many of its
            cameras as it has (round robin over its cameras in random
            order) instead of drawn at random.

    Returns:
        list[np.ndarray]: ``num_batches`` index arrays of ``P * K``.
    """
    members = {}
    for idx, label in enumerate(labels.tolist()):
        if label != OUTLIER:
            members.setdefault(label, []).append(idx)
    clusters = np.array(sorted(members))
    num_p = max(1, batch_size // num_instances)
    batches = []
    for _ in range(num_batches):
        chosen = rng.choice(clusters, num_p,
                            replace=len(clusters) < num_p)
        batch = []
        for label in chosen.tolist():
            own = members[label]
            if cameras is not None:
                batch += _spread_over_cameras(own, cameras, num_instances,
                                              rng)
            else:
                batch += rng.choice(
                    own, num_instances,
                    replace=len(own) < num_instances).tolist()
        batches.append(np.array(batch, dtype=np.int64))
    return batches


@STAGES.register_module()
class ClusterContrastStage(BaseStage):
    """Adapt a re-id model to an unlabelled target by clustering.

    See the module docstring for one epoch. The model is the stage
    config's ``model`` loaded from ``checkpoint``; ``reid_model`` names the
    re-id network inside it (``'identity_discriminator'`` for CR-GAN,
    None when the model is a ``ReIDBaseline``). Only that network trains;
    ``final.pth`` holds the whole model, so a ``'test'`` stage with the
    same model config evaluates it.

    The stage config gives ``train_cfg=dict(max_epochs=..., iters_per_epoch
    =...)``, ``optim_wrapper`` and ``param_scheduler`` (epoch-based
    schedulers, stepped after each epoch).

    Output in ``work_dir``: ``epoch_<e>.pth`` (model, optimizer and
    scheduler state after epoch ``e``; ``last_checkpoint`` names the
    newest), ``final.pth``, ``clustering.json`` (per epoch: the clustering
    settings and :func:`~mmreidgen.evaluation.functional.pseudo_labels.
    clustering_diagnostics`, against the target's true identities when its
    file names carry them; they are never used to train) and
    ``<experiment>/vis_data/scalars.json`` (mmengine's format, per
    iteration).

    Resuming: every epoch starts from the state of the one before and
    re-seeds the random generators from ``(seed, epoch)``; an interrupted
    run restarts the interrupted epoch from the newest ``epoch_<e>.pth``,
    recomputing its clustering, and ends with the weights of an
    uninterrupted run.

    Args:
        checkpoint (str): The starting weights (e.g. direct transfer's
            ``{work_dir}/stage1_pretrain/final.pth``).
        target_data (dict): The target's training set: ``type`` and
            ``data_root`` of a re-id dataset (subset ``'train'``); its
            labels are not used for training.
        train_pipeline (list[dict]): Transforms of a training image.
        reid_model (str, optional): Attribute of the re-id network.
            Defaults to None (the model itself).
        cluster (dict): ``eps`` and ``min_samples`` of DBSCAN, ``k1`` and
            ``k2`` of the Jaccard distance. Defaults to
            :data:`DEFAULT_CLUSTER`.
        memory (dict): The loss, ``dict(type='ClusterMemoryLoss',
            momentum=..., temperature=...)``.
        batch_size (int): Images per batch. Defaults to 256.
        num_instances (int): K, images per cluster in a batch. Defaults
            to 16.
        cross_camera (bool): Spread a cluster's K images over its cameras
            (:func:`pk_batches`) instead of drawing them at random. The
            Cluster Contrast authors' published code fills a pseudo
            identity's images from cameras other than its first image's,
            and their README counts that sampler among the settings that
            matter most; the paper does not mention it. Defaults to False.
        feature_batch_size (int): Defaults to 128.
        num_workers (int): Loader processes of the training images; the
            results do not depend on the number (:class:`SeededDraws`).
            Defaults to 0 (the main process).
        max_keep_ckpts (int): ``epoch_<e>.pth`` files kept. Defaults to 2.
        log_interval (int): Iterations between log lines. Defaults to 50.
        seed (int, optional): Defaults to the config's
            ``randomness.seed``.
    """

    def __init__(self, cfg: Config, work_dir: str, name: str,
                 checkpoint: str, target_data: dict,
                 train_pipeline: Sequence[dict],
                 reid_model: Optional[str] = None,
                 cluster: Optional[dict] = None,
                 memory: Optional[dict] = None,
                 batch_size: int = 256, num_instances: int = 16,
                 cross_camera: bool = False,
                 feature_batch_size: int = 128, num_workers: int = 0,
                 max_keep_ckpts: int = 2,
                 log_interval: int = 50,
                 seed: Optional[int] = None) -> None:
        super().__init__(cfg, work_dir, name)
        self.checkpoint = checkpoint
        self.target_data = dict(target_data)
        self.train_pipeline = list(train_pipeline)
        self.reid_model = reid_model
        self.cluster = dict(DEFAULT_CLUSTER, **(cluster or {}))
        unknown = set(self.cluster) - set(DEFAULT_CLUSTER)
        if unknown:
            raise ValueError(
                f'Stage {name}: unknown cluster keys {sorted(unknown)}; '
                f'use {list(DEFAULT_CLUSTER)}.')
        self.memory_cfg = dict(memory or dict(type='ClusterMemoryLoss'))
        if num_instances < 1 or batch_size < num_instances:
            raise ValueError(
                f'Stage {name}: batch_size ({batch_size}) must be at least '
                f'num_instances ({num_instances}) >= 1.')
        self.batch_size = int(batch_size)
        self.num_instances = int(num_instances)
        self.cross_camera = bool(cross_camera)
        self.feature_batch_size = int(feature_batch_size)
        self.num_workers = int(num_workers)
        self.max_keep_ckpts = max(1, int(max_keep_ckpts))
        self.log_interval = max(1, int(log_interval))
        self.seed = _seed(cfg, seed)
        train_cfg = cfg.get('train_cfg') or {}
        missing = [k for k in ('max_epochs', 'iters_per_epoch')
                   if not train_cfg.get(k)]
        if missing:
            raise ValueError(
                f'Stage {name}: its cfg.train_cfg needs max_epochs and '
                f'iters_per_epoch (missing {missing}).')
        self.epochs = int(train_cfg['max_epochs'])
        self.iters_per_epoch = int(train_cfg['iters_per_epoch'])
        self.device = 'cuda' if torch.cuda.is_available() else 'cpu'

    # ------------------------------------------------------------ data
    def _dataset(self, pipeline: list):
        cfg = dict(self.target_data, subset='train', pipeline=pipeline)
        try:
            dataset = DATASETS.build(cfg)
            dataset.full_init()
        except (RuntimeError, FileNotFoundError, ValueError) as err:
            raise PseudoLabelError(
                f'Stage {self.name} cannot read the unlabelled target '
                f'training set {self.target_data.get("data_root")!r}: '
                f'{str(err).strip()}\nPoint the stage\'s '
                'target_data.data_root (the config variable target_data) at '
                'a folder of target training images.') from None
        return dataset

    def _features(self, model, dataset) -> Dict[str, np.ndarray]:
        from mmreidgen.apis import ReIDFeatureExtractor, build_dataloader
        loader = build_dataloader(
            dict(num_workers=0), dataset=dataset,
            batch_size=self.feature_batch_size)
        return ReIDFeatureExtractor(model, progress=False)(loader)

    # ------------------------------------------------------- checkpoints
    def _ckpt(self, epoch: int) -> str:
        return osp.join(self.work_dir, f'epoch_{epoch}.pth')

    def _save(self, epoch: int, model, optim_wrapper, schedulers) -> None:
        path = self._ckpt(epoch)
        save_atomic(
            dict(meta=dict(epoch=epoch, seed=self.seed, stage=self.name),
                 state_dict=model.state_dict(),
                 optimizer=optim_wrapper.state_dict(),
                 param_schedulers=[s.state_dict() for s in schedulers]),
            path)
        pointer = osp.join(self.work_dir, 'last_checkpoint')
        with open(f'{pointer}.tmp-{os.getpid()}', 'w') as f:
            f.write(path)
        os.replace(f'{pointer}.tmp-{os.getpid()}', pointer)
        for old in range(epoch - self.max_keep_ckpts, 0, -1):
            if not osp.exists(self._ckpt(old)):
                break
            os.remove(self._ckpt(old))

    def _resume(self, model, optim_wrapper, schedulers) -> int:
        """Load the newest complete epoch checkpoint; its epoch (or 0)."""
        from mmreidgen.engine.checkpoint import (
            find_resumable_checkpoint,
            load_checkpoint_file,
        )
        path = find_resumable_checkpoint(self.work_dir)
        if path is None:
            return 0
        ckpt = load_checkpoint_file(path)
        model.load_state_dict(ckpt['state_dict'], strict=True)
        optim_wrapper.load_state_dict(ckpt['optimizer'])
        for scheduler, state in zip(schedulers, ckpt['param_schedulers']):
            scheduler.load_state_dict(state)
        epoch = int(ckpt['meta']['epoch'])
        print_log(f'Stage {self.name}: resuming after epoch {epoch} '
                  f'({path}).', logger='current')
        return epoch

    # -------------------------------------------------------------- run
    def _build(self):
        from mmengine.optim import build_optim_wrapper
        from mmengine.registry import PARAM_SCHEDULERS

        from mmreidgen.apis import init_model
        model = init_model(self.cfg, self.checkpoint, device=self.device)
        reid = getattr(model, self.reid_model) if self.reid_model else model
        if not any(p.requires_grad for p in reid.parameters()):
            raise ValueError(
                f'Stage {self.name}: every parameter of the re-id network '
                f'({self.reid_model or type(model).__name__}) is frozen in '
                "this model config; set the model's training mode in the "
                "stage's cfg (for CR-GAN: model=dict(train_stage="
                "'finetune')).")
        optim_wrapper = build_optim_wrapper(
            reid, copy.deepcopy(self.cfg.optim_wrapper))
        schedulers = []
        for sched in self.cfg.get('param_scheduler') or []:
            sched = dict(copy.deepcopy(sched), optimizer=optim_wrapper)
            if not sched.get('by_epoch', True):
                raise ValueError(
                    f'Stage {self.name}: param_scheduler steps once per '
                    f'epoch; set by_epoch=True in {sched["type"]}.')
            schedulers.append(PARAM_SCHEDULERS.build(sched))
        return model, reid, optim_wrapper, schedulers

    def cluster_epoch(self, model, dataset) -> tuple:
        """Features, Jaccard distances and DBSCAN labels of the target.

        Returns:
            tuple: ``(features, labels, diagnostics)``.
        """
        model.eval()
        out = self._features(model, dataset)
        feats = out['features']
        c = self.cluster
        dist = k_reciprocal_jaccard(feats, k1=c['k1'], k2=c['k2'])
        labels = dbscan_pseudo_labels(dist, c['eps'], c['min_samples'])
        pids = out['pids']
        known = bool(len(pids)) and (pids >= 0).all() and \
            len(np.unique(pids)) > 1
        diag = clustering_diagnostics(labels, pids if known else None)
        return feats, labels, diag

    def run(self) -> Dict[str, Any]:
        from mmengine.runner import set_random_seed

        from mmreidgen.apis import test_pipeline_of
        test_set = self._dataset(test_pipeline_of(self.cfg))
        train_set = self._dataset(self.train_pipeline)
        paths = [train_set.get_data_info(i)['img_path']
                 for i in range(len(train_set))]
        if paths != [test_set.get_data_info(i)['img_path']
                     for i in range(len(test_set))]:
            raise RuntimeError(
                f'Stage {self.name}: the feature and training sets list '
                'the target images in different orders.')
        cameras = np.array([train_set.get_data_info(i)['camid']
                            for i in range(len(train_set))]) \
            if self.cross_camera else None
        model, reid, optim_wrapper, schedulers = self._build()
        memory = MODELS.build(copy.deepcopy(self.memory_cfg)).to(
            self.device)
        start = self._resume(model, optim_wrapper, schedulers)
        diag_path = osp.join(self.work_dir, DIAGNOSTICS_FILE)
        history = [d for d in (read_json(diag_path) or [])
                   if d['epoch'] <= start]
        scalars = osp.join(self.work_dir,
                           self.cfg.get('experiment_name') or 'log',
                           'vis_data', 'scalars.json')
        os.makedirs(osp.dirname(scalars), exist_ok=True)
        for epoch in range(start + 1, self.epochs + 1):
            set_random_seed(self.seed * 100003 + epoch)
            tic = time.time()
            feats, labels, diag = self.cluster_epoch(model, test_set)
            if len(feats) != len(paths):
                raise PseudoLabelError(
                    f'Stage {self.name}: {len(paths) - len(feats)} target '
                    'images could not be read (skip_bad_images); remove '
                    'them from the target folder.')
            diag.update(epoch=epoch, cluster_seconds=time.time() - tic,
                        **self.cluster)
            history.append(diag)
            write_json(history, diag_path)
            print_log(f'Stage {self.name} epoch {epoch}: ' + ', '.join(
                f'{k} {v:.4g}' if isinstance(v, float) else f'{k} {v}'
                for k, v in diag.items()), logger='current')
            check_pseudo_labels(labels, self.cluster['eps'],
                                self.cluster['min_samples'])
            num_clusters = int(labels.max()) + 1
            memory.reset(cluster_centroids(
                torch.from_numpy(feats), torch.from_numpy(labels),
                num_clusters).to(self.device))
            rng = np.random.default_rng([self.seed, epoch])
            batches = pk_batches(labels, self.iters_per_epoch,
                                 self.batch_size, self.num_instances, rng,
                                 cameras=cameras)
            self._train_epoch(epoch, model, reid, memory, optim_wrapper,
                              train_set, labels, batches, scalars)
            for scheduler in schedulers:
                scheduler.step()
            self._save(epoch, model, optim_wrapper, schedulers)
        final = osp.join(self.work_dir, 'final.pth')
        save_atomic(dict(meta=dict(epoch=self.epochs, stage=self.name),
                         state_dict=model.state_dict()), final)
        last = history[-1] if history else {}
        return dict(final=final, epochs=self.epochs,
                    last_clustering={k: v for k, v in last.items()
                                     if not isinstance(v, (list, dict))})

    def _train_epoch(self, epoch, model, reid, memory, optim_wrapper,
                     train_set, labels, batches, scalars) -> None:
        reid.train()
        targets = torch.from_numpy(labels)
        lines = []
        first_iter = (epoch - 1) * self.iters_per_epoch
        tic = time.time()
        size = len(batches[0]) if batches else 0
        loader = DataLoader(
            SeededDraws(train_set, self.seed * 100003 + epoch),
            batch_sampler=[[(i * size + k, j)
                            for k, j in enumerate(b.tolist())]
                           for i, b in enumerate(batches)],
            num_workers=self.num_workers, collate_fn=pseudo_collate)
        for i, (batch_idx, data) in enumerate(zip(batches, loader)):
            data = model.data_preprocessor(data, True)
            data_time = time.time() - tic
            with optim_wrapper.optim_context(reid):
                feats = reid.head(reid.feature_map(data['inputs']))[1]
                y = targets[torch.from_numpy(batch_idx)].to(feats.device)
                loss = memory(feats, y)
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f'Stage {self.name}: the cluster contrastive loss is '
                    f'{float(loss)} at epoch {epoch}, iteration {i + 1}; '
                    'lower the learning rate (optim_wrapper.optimizer.lr).')
            optim_wrapper.update_params(loss)
            memory.update(feats, y)
            lr = optim_wrapper.get_lr()['lr'][0]
            step = first_iter + i + 1
            lines.append(json.dumps(dict(
                epoch=epoch, iter=step, lr=lr, loss=loss.item(),
                data_time=data_time, time=time.time() - tic)))
            if (i + 1) % self.log_interval == 0 or i + 1 == len(batches):
                print_log(
                    f'Stage {self.name} epoch {epoch} iter {i + 1}/'
                    f'{len(batches)}: loss {float(loss):.4f}, lr {lr:.3g}, '
                    f'{memory.num_clusters} clusters.', logger='current')
            tic = time.time()
        with open(scalars, 'a', encoding='utf-8') as f:
            f.write('\n'.join(lines) + '\n')
