"""The non-training steps of SLSR and its re-id fine-tuning step.

Ainam et al., "Sparse Label Smoothing for Semi-supervised Person
Re-Identification" (IEEE Access 2019), Algorithm 1. In a
``PipelineRunner`` config (``configs/slsr/``)::

    stage1_baseline  'train'             CE re-id baseline (Eq. (6))
    stage2_cluster   SLSRClusterStep     features, k-means, silhouette
    stage3_gan       SLSRTrainGANStep    one DCGAN per cluster (Eq. (3))
    stage4_generate  SLSRGenerateStep    images + sparse labels (Eq. (10))
    stage5_finetune  SLSRFinetuneStep    real + generated, L_SLSR (Eq. (13))
    stage6_test...   'test'              ReIDMetric, optionally re-ranked

Every step reads its settings from the config's ``slsr`` dict and writes
its output into its own stage folder; the PipelineRunner skips finished
stages, and the GAN step also skips finished clusters.
"""
import copy
import json
import os
import os.path as osp
import shutil
from typing import Dict, List, Optional, Sequence

import mmcv
import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.logging import print_log
from mmengine.runner import Runner, load_checkpoint
from mmengine.utils import ProgressBar
from torch.utils.data import DataLoader

from mmreidgen.datasets.slsr_generated_dataset import (
    LABEL_FILE,
    SPARSE_LABEL_FILE,
    cluster_identity_sets,
)
from mmreidgen.registry import DATASETS, MODELS, RUNNERS

CLUSTER_FILE = 'clusters.json'
# Keys of the top-level config that a GAN run inherits.
_RUNTIME_KEYS = ('default_scope', 'default_hooks', 'env_cfg',
                 'log_processor', 'log_level', 'randomness', 'visualizer',
                 'custom_imports', 'launcher')


def slsr_settings(cfg: Config) -> dict:
    """The ``slsr`` dict of a config, with a clear error when missing."""
    if 'slsr' not in cfg:
        raise KeyError(
            'SLSR steps read their settings from `slsr=dict(...)` in the '
            'config (see configs/slsr/slsr_r50_market.py).')
    return cfg.slsr


def atomic_copy(src: str, dst: str) -> None:
    """Copy ``src`` to ``dst`` so that ``dst`` is never half-written."""
    tmp = f'{dst}.tmp-{os.getpid()}'
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


def write_json(obj, path: str) -> None:
    tmp = f'{path}.tmp-{os.getpid()}'
    with open(tmp, 'w') as f:
        json.dump(obj, f)
    os.replace(tmp, path)


def train_in_dir(cfg: Config, work_dir: str) -> str:
    """Train ``cfg`` in ``work_dir`` (resuming), then write final.pth.

    Returns:
        str: The path of ``final.pth``.
    """
    cfg.work_dir = work_dir
    os.makedirs(work_dir, exist_ok=True)
    if osp.exists(osp.join(work_dir, 'last_checkpoint')):
        cfg.resume = True
        cfg.load_from = None
    runner = Runner.from_cfg(cfg)
    runner.train()
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        last = f.read().strip()
    final = osp.join(work_dir, 'final.pth')
    atomic_copy(last, final)
    return final


def test_pipeline_of(cfg: Config) -> list:
    """The query pipeline of ``cfg.test_dataloader`` (no augmentation)."""
    dataset = cfg.test_dataloader.dataset
    if 'datasets' in dataset:
        dataset = dataset.datasets[0]
    return copy.deepcopy(dataset.pipeline)


@torch.no_grad()
def extract_pooled_features(model: torch.nn.Module,
                            dataset_cfg: dict,
                            batch_size: int = 128,
                            num_workers: int = 0) -> Dict[str, list]:
    """Globally average-pooled last-stage features of every image.

    Args:
        model (nn.Module): A ``ReIDBaseline`` (anything with
            ``data_preprocessor`` and ``feature_map``).
        dataset_cfg (dict): The dataset, with a test pipeline.
        batch_size (int): Defaults to 128.
        num_workers (int): Defaults to 0.

    Returns:
        dict: ``features`` (``N x C`` np.ndarray), ``pids``, ``camids``
        and ``img_paths`` in dataset order.
    """
    dataset = DATASETS.build(dataset_cfg)
    loader = DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=False,
        num_workers=num_workers,
        collate_fn=pseudo_collate)
    model.eval()
    feats, pids, camids, paths = [], [], [], []
    bar = ProgressBar(len(dataset))
    for batch in loader:
        data = model.data_preprocessor(batch, False)
        feat_map = model.feature_map(data['inputs'])
        feats.append(F.adaptive_avg_pool2d(feat_map, 1).flatten(1).cpu())
        for sample in data['data_samples']:
            pids.append(int(sample.pid))
            camids.append(int(sample.camid))
            paths.append(sample.img_path)
        bar.update(len(data['data_samples']))
    return dict(
        features=torch.cat(feats).numpy(),
        pids=pids,
        camids=camids,
        img_paths=paths)


def kmeans(features: np.ndarray, num_clusters: int,
           seed: int = 0) -> np.ndarray:
    """scikit-learn k-means (Algorithm 1, lines 6-10); cluster per row."""
    from sklearn.cluster import KMeans
    return KMeans(
        n_clusters=num_clusters, random_state=seed,
        n_init=10).fit_predict(features)


def silhouette_table(features: np.ndarray,
                     ks: Sequence[int] = (2, 3, 4, 5),
                     seed: int = 0,
                     pca_dim: Optional[int] = 2,
                     sample_size: Optional[int] = None) -> List[dict]:
    """Average silhouette score of k-means for each k (Table 1 of SLSR).

    Two protocols: ``raw`` clusters and scores the features as they are
    (what the clustering step uses); ``pca`` first projects them on their
    ``pca_dim`` principal components, as the authors' clustering script
    does for its k comparison.

    Args:
        features (np.ndarray): ``N x C`` features.
        ks (Sequence[int]): Cluster numbers. Defaults to (2, 3, 4, 5).
        seed (int): k-means and sampling seed. Defaults to 0.
        pca_dim (int, optional): Components of the ``pca`` protocol; None
            skips it. Defaults to 2.
        sample_size (int, optional): Score a random subset of this size
            (silhouette is O(N^2)). Defaults to None (all).

    Returns:
        list[dict]: ``k``, ``raw`` and (with ``pca_dim``) ``pca`` scores.
    """
    from sklearn.decomposition import PCA
    from sklearn.metrics import silhouette_score
    if len(features) <= max(ks):
        raise ValueError(
            f'{len(features)} features cannot form {max(ks)} clusters; '
            'lower the k values.')
    spaces = dict(raw=features)
    if pca_dim:
        spaces['pca'] = PCA(
            n_components=pca_dim, random_state=seed).fit_transform(features)
    size = sample_size if sample_size and sample_size < len(
        features) else None
    rows = []
    for k in ks:
        row = dict(k=int(k))
        for name, space in spaces.items():
            labels = kmeans(space, k, seed)
            row[name] = float(
                silhouette_score(
                    space, labels, sample_size=size, random_state=seed))
        rows.append(row)
    return rows


def format_silhouette_table(rows: List[dict]) -> str:
    """Table 1 of SLSR as text (scores in percent)."""
    has_pca = 'pca' in rows[0]
    header = '| Number of clusters | Silhouette (features) |'
    rule = '|---|---|'
    if has_pca:
        header += ' Silhouette (PCA-2, authors\' protocol) |'
        rule += '---|'
    lines = [header, rule]
    for row in rows:
        line = f'| {row["k"]} | {100 * row["raw"]:.2f}% |'
        if has_pca:
            line += f' {100 * row["pca"]:.2f}% |'
        lines.append(line)
    return '\n'.join(lines)


def build_reid_model(cfg: Config, checkpoint: str) -> torch.nn.Module:
    """Build ``cfg.model`` and load ``checkpoint`` (CPU map)."""
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(
            f'{checkpoint} not found; run the baseline stage first (or '
            'pass checkpoint=... to the step).')
    model_cfg = copy.deepcopy(cfg.model)
    model = MODELS.build(model_cfg)
    load_checkpoint(model, checkpoint, map_location='cpu', logger='current')
    return model.cuda() if torch.cuda.is_available() else model


@RUNNERS.register_module()
class SLSRClusterStep:
    """SLSR step 1b: pooled features of the training set, then k-means.

    Algorithm 1, lines 2-10 of Ainam et al. (2019): the baseline's last
    convolutional feature map, globally average-pooled (2048-d for
    ResNet-50), is extracted for every training image (test pipeline, no
    augmentation) and clustered with scikit-learn ``KMeans(k,
    random_state=seed)``. The silhouette table of Table 1 is computed for
    ``slsr.silhouette_ks``.

    Output in ``work_dir``: ``features.npy``, ``clusters.json`` (per image
    ``img_path``, ``pid``, ``camid``, ``cluster``; the identity sets
    ``S_c``; ``num_classes``; the silhouette rows), ``cluster_<c>.txt``
    (``img_path pid camid`` lines, the GAN training lists) and
    ``silhouette.md``.

    Settings (``cfg.slsr``): ``num_clusters`` (3), ``silhouette_ks``
    ((2, 3, 4, 5); empty to skip), ``silhouette_sample_size`` (None),
    ``seed`` (0), ``feature_batch_size`` (128).

    Args:
        cfg (Config): The merged config (``model``, ``train_dataloader``,
            ``test_dataloader``, ``slsr``).
        work_dir (str): The stage folder.
        checkpoint (str): The baseline's weights.
    """

    def __init__(self, cfg: Config, work_dir: str, checkpoint: str) -> None:
        self.cfg = cfg
        self.work_dir = work_dir
        self.checkpoint = checkpoint
        self.settings = slsr_settings(cfg)

    def run(self) -> None:
        s = self.settings
        num_clusters = s.get('num_clusters', 3)
        seed = s.get('seed', 0)
        model = build_reid_model(self.cfg, self.checkpoint)
        dataset_cfg = copy.deepcopy(self.cfg.train_dataloader.dataset)
        dataset_cfg['pipeline'] = test_pipeline_of(self.cfg)
        out = extract_pooled_features(
            model, dataset_cfg, s.get('feature_batch_size', 128),
            self.cfg.train_dataloader.get('num_workers', 0))
        feats = out['features']
        np.save(osp.join(self.work_dir, 'features.npy'), feats)
        clusters = kmeans(feats, num_clusters, seed)
        num_classes = int(self.cfg.model.head.num_classes)
        identities = cluster_identity_sets(out['pids'], clusters,
                                           num_clusters)
        rows = []
        if s.get('silhouette_ks', (2, 3, 4, 5)):
            rows = silhouette_table(
                feats, s.get('silhouette_ks', (2, 3, 4, 5)), seed,
                s.get('silhouette_pca_dim', 2),
                s.get('silhouette_sample_size'))
            table = format_silhouette_table(rows)
            with open(osp.join(self.work_dir, 'silhouette.md'), 'w') as f:
                f.write(table + '\n')
            print_log('SLSR silhouette (Table 1):\n' + table,
                      logger='current')
        for c in range(num_clusters):
            with open(osp.join(self.work_dir, f'cluster_{c}.txt'), 'w') as f:
                for path, pid, camid, cl in zip(out['img_paths'],
                                                out['pids'], out['camids'],
                                                clusters):
                    if cl == c:
                        f.write(f'{path} {pid} {camid}\n')
        write_json(
            dict(
                num_clusters=num_clusters,
                num_classes=num_classes,
                seed=seed,
                cluster_sizes=np.bincount(
                    clusters, minlength=num_clusters).tolist(),
                identities=identities,
                silhouette=rows,
                images=[
                    dict(img_path=p, pid=i, camid=cam, cluster=int(cl))
                    for p, i, cam, cl in zip(out['img_paths'], out['pids'],
                                             out['camids'], clusters)
                ]), osp.join(self.work_dir, CLUSTER_FILE))
        print_log(
            f'SLSR clusters: sizes {np.bincount(clusters).tolist()}, '
            f'|S_c| {[len(i) for i in identities]} of {num_classes} ids.',
            logger='current')


def read_clusters(cluster_dir: str) -> dict:
    path = osp.join(cluster_dir, CLUSTER_FILE)
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path} not found; run the clustering stage (SLSRClusterStep) '
            'first.')
    with open(path) as f:
        return json.load(f)


@RUNNERS.register_module()
class SLSRTrainGANStep:
    """SLSR step 2a: train one DCGAN per cluster (Algorithm 1, line 12).

    For every cluster ``c`` an mmengine ``Runner`` trains
    ``cfg.slsr.gan.model`` (an :class:`SLSRDCGAN`) on the images listed in
    ``<cluster_dir>/cluster_<c>.txt`` in ``<work_dir>/cluster_<c>/``,
    resuming from its last checkpoint and skipping clusters that already
    have ``final.pth``.

    Settings (``cfg.slsr.gan``): ``model``, ``optim_wrapper`` (one per
    sub-module), ``train_cfg``, ``pipeline`` (loading and resizing to the
    generator's size, then ``PackReIDInputs``), ``batch_size`` (64),
    ``num_workers`` (the re-id loader's), ``default_hooks`` (optional
    overrides of the runtime hooks).

    Args:
        cfg (Config): The merged config.
        work_dir (str): The stage folder.
        cluster_dir (str): The clustering stage's folder.
    """

    def __init__(self, cfg: Config, work_dir: str, cluster_dir: str) -> None:
        self.cfg = cfg
        self.work_dir = work_dir
        self.cluster_dir = cluster_dir
        self.gan = slsr_settings(cfg).get('gan')
        if not self.gan:
            raise KeyError('slsr.gan (model, optim_wrapper, train_cfg, '
                           'pipeline) is missing from the config.')

    def cluster_config(self, cluster: int) -> Config:
        """The training config of the DCGAN of one cluster."""
        gan = copy.deepcopy(self.gan)
        base = {
            k: copy.deepcopy(self.cfg[k])
            for k in _RUNTIME_KEYS if k in self.cfg
        }
        cfg = Config(base)
        cfg.merge_from_dict(
            dict(
                model=gan['model'],
                optim_wrapper=gan['optim_wrapper'],
                train_cfg=gan['train_cfg'],
                default_hooks=gan.get('default_hooks', {}),
                train_dataloader=dict(
                    batch_size=gan.get('batch_size', 64),
                    num_workers=gan.get(
                        'num_workers',
                        self.cfg.train_dataloader.get('num_workers', 0)),
                    persistent_workers=False,
                    sampler=dict(type='DefaultSampler', shuffle=True),
                    dataset=dict(
                        type='ReIDListDataset',
                        data_root=self.cluster_dir,
                        ann_file=f'cluster_{cluster}.txt',
                        pipeline=gan['pipeline']))))
        cfg.experiment_name = f'dcgan_cluster_{cluster}'
        return cfg

    def run(self) -> None:
        num_clusters = read_clusters(self.cluster_dir)['num_clusters']
        for c in range(num_clusters):
            cdir = osp.join(self.work_dir, f'cluster_{c}')
            if osp.exists(osp.join(cdir, 'final.pth')):
                print_log(f'SLSR DCGAN of cluster {c}: done before, '
                          'skipped.', logger='current')
                continue
            print_log(f'SLSR DCGAN of cluster {c} / {num_clusters}.',
                      logger='current')
            train_in_dir(self.cluster_config(c), cdir)


def split_evenly(total: int, parts: int) -> List[int]:
    """``total`` items over ``parts``, the first ones getting the rest."""
    return [total // parts + (i < total % parts) for i in range(parts)]


def to_uint8_bgr(images: torch.Tensor) -> np.ndarray:
    """``B x 3 x H x W`` RGB in [-1, 1] to ``B x H x W x 3`` BGR uint8."""
    images = ((images.clamp(-1, 1) + 1) * 127.5).round().byte()
    return images.flip(1).permute(0, 2, 3, 1).cpu().numpy()


@RUNNERS.register_module()
class SLSRGenerateStep:
    """SLSR step 2b: sample images and write their sparse labels.

    Algorithm 1, line 13 of Ainam et al. (2019). ``slsr.num_generated``
    images (12,000 for Market-1501) are split evenly over the clusters;
    cluster ``c``'s generator (BN in inference mode, ``z ~ U(-1, 1)``)
    draws its share. Output in ``work_dir``, read by
    :class:`SLSRGeneratedDataset`: ``images/gan_<c>_<idx>.png``,
    ``labels.txt`` (``rel_path cluster``) and ``sparse_labels.json``
    (``num_classes`` and the identity sets ``S_c`` of the clustering, from
    which ``q_c`` is built).

    Settings (``cfg.slsr``): ``num_generated`` (12000), ``seed`` (0),
    ``gan.model``, ``generate_batch_size`` (256), ``save_size`` (None:
    the generator's size; else ``(h, w)`` to resize to).

    Args:
        cfg (Config): The merged config.
        work_dir (str): The stage folder.
        cluster_dir (str): The clustering stage's folder.
        gan_dir (str): The GAN stage's folder.
    """

    def __init__(self, cfg: Config, work_dir: str, cluster_dir: str,
                 gan_dir: str) -> None:
        self.cfg = cfg
        self.work_dir = work_dir
        self.cluster_dir = cluster_dir
        self.gan_dir = gan_dir
        self.settings = slsr_settings(cfg)

    def run(self) -> None:
        s = self.settings
        clusters = read_clusters(self.cluster_dir)
        num_clusters = clusters['num_clusters']
        counts = split_evenly(s.get('num_generated', 12000), num_clusters)
        img_dir = osp.join(self.work_dir, 'images')
        os.makedirs(img_dir, exist_ok=True)
        save_size = s.get('save_size')
        batch_size = s.get('generate_batch_size', 256)
        seed = s.get('seed', 0)
        lines = []
        bar = ProgressBar(sum(counts))
        for c, count in enumerate(counts):
            ckpt = osp.join(self.gan_dir, f'cluster_{c}', 'final.pth')
            if not osp.isfile(ckpt):
                raise FileNotFoundError(
                    f'{ckpt} not found; train the DCGANs first '
                    '(SLSRTrainGANStep).')
            gan = MODELS.build(copy.deepcopy(s.gan.model))
            load_checkpoint(gan, ckpt, map_location='cpu', logger='current')
            rng = torch.Generator().manual_seed(seed * 1000 + c)
            for start in range(0, count, batch_size):
                num = min(batch_size, count - start)
                images = to_uint8_bgr(gan.sample(num, generator=rng))
                for i, img in enumerate(images):
                    if save_size is not None:
                        img = mmcv.imresize(img, tuple(save_size[::-1]))
                    rel = osp.join('images', f'gan_{c}_{start + i:06d}.png')
                    mmcv.imwrite(img, osp.join(self.work_dir, rel))
                    lines.append(f'{rel} {c}\n')
                bar.update(num)
        write_json(
            dict(
                num_classes=clusters['num_classes'],
                num_clusters=num_clusters,
                identities=clusters['identities'],
                generated_per_cluster=counts),
            osp.join(self.work_dir, SPARSE_LABEL_FILE))
        # The label file is written last: its presence marks a complete
        # generation.
        tmp = osp.join(self.work_dir, LABEL_FILE + '.tmp')
        with open(tmp, 'w') as f:
            f.writelines(lines)
        os.replace(tmp, osp.join(self.work_dir, LABEL_FILE))
        print_log(
            f'SLSR: wrote {len(lines)} images ({counts} per cluster) to '
            f'{img_dir}.', logger='current')


@RUNNERS.register_module()
class SLSRFinetuneStep:
    """SLSR step 3: train the re-id model on real + generated images.

    Algorithm 1, line 15 of Ainam et al. (2019), with ``L_SLSR`` of
    Eq. (13): the config's re-id training (``model``, ``train_dataloader``,
    schedule) with

    - the training set replaced by ``ConcatDataset([real, generated])``,
      the generated part an :class:`SLSRGeneratedDataset` on
      ``generated_dir`` through the real images' pipeline;
    - the classification loss replaced by ``slsr.loss_cls``
      (``SLSRLoss``; ``LSROLoss`` for the comparison);
    - ``slsr.finetune`` merged on top (e.g. ``train_cfg``,
      ``param_scheduler`` for the longer schedule).

    The model starts from the same initialisation as the baseline
    (ImageNet weights in the full configs), as in the paper. The trained
    weights go to ``<work_dir>/final.pth``; the run resumes when
    interrupted.

    Args:
        cfg (Config): The merged config.
        work_dir (str): The stage folder.
        generated_dir (str): The generation stage's folder.
    """

    def __init__(self, cfg: Config, work_dir: str,
                 generated_dir: str) -> None:
        self.cfg = cfg
        self.work_dir = work_dir
        self.generated_dir = generated_dir
        self.settings = slsr_settings(cfg)

    def train_config(self) -> Config:
        """The re-id training config with the generated images added."""
        cfg = copy.deepcopy(self.cfg)
        real = cfg.train_dataloader.dataset
        generated = dict(
            type='SLSRGeneratedDataset',
            data_root=self.generated_dir,
            pipeline=copy.deepcopy(real['pipeline']),
            num_classes=cfg.model.head.num_classes,
            max_images=self.settings.get('max_generated'))
        cfg.train_dataloader.dataset = dict(
            type='ConcatDataset',
            datasets=[real, generated],
            ignore_keys=['dataset_name'])
        cfg.model.head.loss_cls = copy.deepcopy(
            self.settings.get('loss_cls', dict(type='SLSRLoss')))
        cfg.merge_from_dict(copy.deepcopy(self.settings.get('finetune', {})))
        return cfg

    def run(self) -> None:
        train_in_dir(self.train_config(), self.work_dir)
