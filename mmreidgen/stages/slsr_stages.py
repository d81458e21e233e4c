"""The stages of SLSR that are not plain training or testing.

Ainam et al., "Sparse Label Smoothing for Semi-supervised Person
Re-Identification" (IEEE Access 2019), Algorithm 1. A pipeline config
(``configs/slsr/``) runs::

    stage1_baseline  'train'               CE re-id baseline (Eq. (6))
    stage2_cluster   SLSRClusterStage      features, k-means, silhouette
    stage3_gan       SLSRTrainGANStage     one DCGAN per cluster (Eq. (3))
    stage4_generate  SLSRGenerateStage     images + sparse labels (Eq. (10))
    stage5_finetune  SLSRFinetuneStage     real + generated, L_SLSR (Eq. (13))
    stage6_test...   'test'                ReIDMetric, optionally re-ranked

The stages only orchestrate: the clustering math is in
:mod:`mmreidgen.evaluation.functional.clustering`, the DCGAN in
:mod:`mmreidgen.models`, the generated set in
:class:`mmreidgen.datasets.SLSRGeneratedDataset`. Every stochastic stage
draws from the config's ``randomness.seed`` unless given ``seed``.
"""
import copy
import json
import logging
import os
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence

import mmcv
import numpy as np
import torch
from mmengine.config import Config
from mmengine.logging import print_log

from mmreidgen.datasets.slsr_generated_dataset import (
    LABEL_FILE,
    SPARSE_LABEL_FILE,
    cluster_identity_sets,
    random_identity_sets,
)
from mmreidgen.evaluation.functional.clustering import (
    cluster_report,
    format_cluster_report,
    format_silhouette_table,
    kmeans,
    silhouette_table,
)
from mmreidgen.evaluation.functional.fid import (
    feature_statistics,
    frechet_distance,
)
from mmreidgen.registry import MODELS, STAGES
from mmreidgen.utils.progress import ProgressBar

from .base_stage import BaseStage, without_evaluation, write_json
from .train_test_stages import train_in_dir

CLUSTER_FILE = 'clusters.json'


def _seed(cfg: Config, seed: Optional[int]) -> int:
    if seed is not None:
        return int(seed)
    return int((cfg.get('randomness') or {}).get('seed') or 0)


def read_clusters(cluster_dir: str) -> dict:
    """The output of :class:`SLSRClusterStage`."""
    path = osp.join(cluster_dir, CLUSTER_FILE)
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path} not found; run the clustering stage '
            '(SLSRClusterStage) first.')
    with open(path) as f:
        return json.load(f)


@STAGES.register_module('SLSRClusterStep')
@STAGES.register_module()
class SLSRClusterStage(BaseStage):
    """SLSR step 1b: pooled features of the training set, then k-means.

    Algorithm 1, lines 2-10: the baseline's last convolutional feature map,
    globally average-pooled (2048-d for ResNet-50), is extracted for every
    training image through the test pipeline and clustered with
    scikit-learn k-means; the silhouette table of Table 1 is computed for
    ``silhouette_ks``.

    Output in ``work_dir``: ``features.npy``, ``clusters.json`` (per image
    ``img_path``, ``pid``, ``camid``, ``cluster``; the identity sets
    ``S_c``; ``num_classes``; the silhouette rows), ``cluster_<c>.txt``
    (``img_path pid camid`` lines, the GAN training lists) and
    ``silhouette.md``.

    Args:
        checkpoint (str): The baseline's weights.
        num_clusters (int): ``k``. Defaults to 3.
        silhouette_ks (Sequence[int]): Defaults to (2, 3, 4, 5); empty to
            skip.
        silhouette_pca_dim (int, optional): Defaults to 2.
        silhouette_sample_size (int, optional): Defaults to None (all).
        feature_batch_size (int): Defaults to 128.
        seed (int, optional): k-means seed. Defaults to None: the config's
            ``randomness.seed``.
        report (bool): Also write ``cluster_report.md`` and
            ``clusters.json``'s ``report``: the normalised mutual
            information of the clusters with the identity, the camera and,
            for a rendering of the synthetic benchmark, the clothing
            colours its renderer drew
            (:func:`mmreidgen.datasets.synthetic.identity_attributes`).
            Defaults to False.
    """

    def __init__(self, cfg: Config, work_dir: str, name: str,
                 checkpoint: str, num_clusters: int = 3,
                 silhouette_ks: Sequence[int] = (2, 3, 4, 5),
                 silhouette_pca_dim: Optional[int] = 2,
                 silhouette_sample_size: Optional[int] = None,
                 feature_batch_size: int = 128,
                 seed: Optional[int] = None,
                 report: bool = False) -> None:
        super().__init__(cfg, work_dir, name)
        self.report = report
        self.checkpoint = checkpoint
        self.num_clusters = num_clusters
        self.silhouette_ks = tuple(silhouette_ks or ())
        self.silhouette_pca_dim = silhouette_pca_dim
        self.silhouette_sample_size = silhouette_sample_size
        self.feature_batch_size = feature_batch_size
        self.seed = _seed(cfg, seed)

    def run(self) -> Dict[str, Any]:
        from mmreidgen.apis import (
            ReIDFeatureExtractor,
            build_dataloader,
            init_model,
        )
        from mmreidgen.apis.feature_extraction import test_pipeline_of
        model = init_model(self.cfg, self.checkpoint)
        if torch.cuda.is_available():
            model = model.cuda()
        dataset_cfg = copy.deepcopy(self.cfg.train_dataloader.dataset)
        dataset_cfg['pipeline'] = test_pipeline_of(self.cfg)
        loader = build_dataloader(
            dict(num_workers=self.cfg.train_dataloader.get('num_workers', 0)),
            dataset_cfg, batch_size=self.feature_batch_size)
        out = ReIDFeatureExtractor(model, mode='pooled')(loader)
        feats = out['features']
        np.save(osp.join(self.work_dir, 'features.npy'), feats)
        clusters = kmeans(feats, self.num_clusters, self.seed)
        num_classes = int(self.cfg.model.head.num_classes)
        pids = out['pids'].tolist()
        identities = cluster_identity_sets(pids, clusters, self.num_clusters)
        rows = []
        if self.silhouette_ks:
            rows = silhouette_table(feats, self.silhouette_ks, self.seed,
                                    self.silhouette_pca_dim,
                                    self.silhouette_sample_size)
            table = format_silhouette_table(rows)
            with open(osp.join(self.work_dir, 'silhouette.md'), 'w') as f:
                f.write(table + '\n')
            print_log('SLSR silhouette (Table 1):\n' + table,
                      logger='current')
        paths, camids = out['img_paths'].tolist(), out['camids'].tolist()
        report = None
        if self.report:
            report = cluster_report(
                clusters, dict(identity=pids, camera=camids,
                               **self._attributes(dataset_cfg, paths)))
            text = format_cluster_report(report)
            with open(osp.join(self.work_dir, 'cluster_report.md'),
                      'w') as f:
                f.write(text + '\n')
            print_log('SLSR clusters against labels (NMI):\n' + text,
                      logger='current')
        for c in range(self.num_clusters):
            with open(osp.join(self.work_dir, f'cluster_{c}.txt'), 'w') as f:
                for path, pid, camid, cl in zip(paths, pids, camids,
                                                clusters):
                    if cl == c:
                        f.write(f'{path} {pid} {camid}\n')
        sizes = np.bincount(clusters, minlength=self.num_clusters).tolist()
        write_json(
            dict(
                num_clusters=self.num_clusters,
                num_classes=num_classes,
                seed=self.seed,
                cluster_sizes=sizes,
                identities=identities,
                silhouette=rows,
                report=report,
                images=[
                    dict(img_path=p, pid=i, camid=cam, cluster=int(cl))
                    for p, i, cam, cl in zip(paths, pids, camids, clusters)
                ]), osp.join(self.work_dir, CLUSTER_FILE))
        print_log(
            f'SLSR clusters: sizes {sizes}, |S_c| '
            f'{[len(i) for i in identities]} of {num_classes} ids.',
            logger='current')
        return dict(cluster_sizes=sizes)

    @staticmethod
    def _attributes(dataset_cfg: dict, paths: List[str]) -> dict:
        """Per image, the clothing colours of its identity, when the
        training set is a rendering of the synthetic benchmark."""
        from mmreidgen.datasets.synthetic import identity_attributes
        root = dataset_cfg.get('data_root')
        if not root or not osp.isfile(
                osp.join(osp.dirname(osp.abspath(root)), 'stats.json')):
            return {}
        people = identity_attributes(root)
        # Market-1501 names start with the identity on disk.
        orig = [int(osp.basename(p).split('_')[0]) for p in paths]
        return {
            f'{key} colour': [people[p][key] for p in orig]
            for key in ('upper', 'lower')
        }


@STAGES.register_module('SLSRTrainGANStep')
@STAGES.register_module()
class SLSRTrainGANStage(BaseStage):
    """SLSR step 2a: train one DCGAN per cluster (Algorithm 1, line 12).

    The stage's config is a complete training config of the DCGAN (its
    ``model``, ``optim_wrapper``, ``train_cfg`` and ``train_dataloader``);
    for cluster ``c`` its dataset reads ``<cluster_dir>/cluster_<c>.txt``
    and training runs in ``<work_dir>/cluster_<c>/``, resuming from that
    folder's own checkpoints. Clusters that have ``final.pth`` are skipped.

    With ``init_from_parent``, a parent DCGAN is first trained on every
    training image (the union of the clusters) in ``<work_dir>/parent/``
    with the same config (so for as many epochs, each over all images),
    and each cluster's DCGAN starts from its weights (generator and
    discriminator; the optimiser starts afresh), as the authors' README
    describes (a DCGAN on all images, then one fine-tuned per cluster).

    Args:
        cluster_dir (str): The clustering stage's folder.
        init_from_parent (bool): Start every cluster's DCGAN from a parent
            DCGAN trained on all images. Defaults to False (each starts
            from its random initialisation).
    """

    def __init__(self, cfg: Config, work_dir: str, name: str,
                 cluster_dir: str, init_from_parent: bool = False) -> None:
        super().__init__(cfg, work_dir, name)
        self.cluster_dir = cluster_dir
        self.init_from_parent = bool(init_from_parent)

    @property
    def parent_dir(self) -> str:
        return osp.join(self.work_dir, 'parent')

    def cluster_config(self, cluster: int) -> Config:
        """The training config of the DCGAN of one cluster."""
        cfg = copy.deepcopy(self.cfg)
        without_evaluation(cfg)
        cfg.load_from = None
        if self.init_from_parent:
            cfg.load_from = osp.join(self.parent_dir, 'final.pth')
        cfg.train_dataloader.dataset.update(
            data_root=self.cluster_dir, ann_file=f'cluster_{cluster}.txt')
        cfg.experiment_name = f'dcgan_cluster_{cluster}'
        return cfg

    def parent_config(self, num_clusters: int) -> Config:
        """The training config of the parent DCGAN (all images)."""
        os.makedirs(self.parent_dir, exist_ok=True)
        lines = []
        for c in range(num_clusters):
            with open(osp.join(self.cluster_dir, f'cluster_{c}.txt')) as f:
                lines += [line for line in f if line.strip()]
        with open(osp.join(self.parent_dir, 'all.txt'), 'w') as f:
            f.writelines(lines)
        cfg = copy.deepcopy(self.cfg)
        without_evaluation(cfg)
        cfg.load_from = None
        cfg.train_dataloader.dataset.update(
            data_root=self.parent_dir, ann_file='all.txt')
        cfg.experiment_name = 'dcgan_parent'
        return cfg

    def run(self) -> Dict[str, Any]:
        num_clusters = read_clusters(self.cluster_dir)['num_clusters']
        if self.init_from_parent and not osp.exists(
                osp.join(self.parent_dir, 'final.pth')):
            print_log('SLSR parent DCGAN on all training images.',
                      logger='current')
            train_in_dir(self.parent_config(num_clusters), self.parent_dir)
        for c in range(num_clusters):
            cdir = osp.join(self.work_dir, f'cluster_{c}')
            if osp.exists(osp.join(cdir, 'final.pth')):
                print_log(f'SLSR DCGAN of cluster {c}: done before, '
                          'skipped.', logger='current')
                continue
            print_log(f'SLSR DCGAN of cluster {c} / {num_clusters}.',
                      logger='current')
            os.makedirs(cdir, exist_ok=True)
            train_in_dir(self.cluster_config(c), cdir)
        return dict(num_clusters=num_clusters)


# Generated (and real) images a cluster's sample grid shows.
GRID_SIZE = 16


def sample_grid(generated: List[np.ndarray], real: Sequence[str],
                per_row: int = 8) -> np.ndarray:
    """Generated images in rows of ``per_row``, the real ones (paths)
    below at the generated images' size; a white gap between the two."""
    height, width = generated[0].shape[:2]
    real_images = [mmcv.imresize(mmcv.imread(p), (width, height))
                   for p in real]

    def rows(images):
        out = []
        for start in range(0, len(images), per_row):
            row = list(images[start:start + per_row])
            row += [np.full_like(generated[0], 255)] * (per_row - len(row))
            out.append(np.concatenate(row, axis=1))
        return out

    gap = np.full((max(2, height // 8), width * per_row, 3), 255, np.uint8)
    parts = rows(generated) + ([gap] + rows(real_images) if real else [])
    return np.concatenate(parts, axis=0)


def robust_frechet(real: np.ndarray, fake: np.ndarray) -> float:
    """The Fréchet distance of two feature sets; when a covariance is too
    singular for the matrix square root (e.g. a collapsed generator, or
    fewer images than dimensions), both get ``1e-6`` of their mean
    variance added to the diagonal, a change far below the distances
    compared; NaN if even that fails, so that a bad generator never stops
    the pipeline after its trainings."""
    (mu1, s1), (mu2, s2) = feature_statistics(real), \
        feature_statistics(fake)
    try:
        return frechet_distance(mu1, s1, mu2, s2)
    except ValueError:
        scale = 1e-6 * max(np.trace(s1), np.trace(s2), 1e-12) / len(s1)
        eye = np.eye(len(s1)) * scale
        try:
            return frechet_distance(mu1, s1 + eye, mu2, s2 + eye)
        except ValueError as err:
            print_log(f'Fréchet distance undefined ({err}); recorded as '
                      'NaN.', logger='current', level=logging.WARNING)
            return float('nan')


def split_evenly(total: int, parts: int) -> List[int]:
    """``total`` items over ``parts``, the first ones getting the rest."""
    return [total // parts + (i < total % parts) for i in range(parts)]


@STAGES.register_module('SLSRGenerateStep')
@STAGES.register_module()
class SLSRGenerateStage(BaseStage):
    """SLSR step 2b: sample images and write their sparse labels.

    Algorithm 1, line 13. ``num_generated`` images (12,000 for
    Market-1501) are split evenly over the clusters; cluster ``c``'s
    generator draws its share (:func:`mmreidgen.apis.slsr_sample`). Output
    in ``work_dir``, read by :class:`SLSRGeneratedDataset`:
    ``images/gan_<c>_<idx>.png``, ``labels.txt`` (``rel_path cluster``,
    written last: it marks a complete generation) and
    ``sparse_labels.json`` (``num_classes`` and the identity sets ``S_c``);
    for the eye, ``grid_cluster_<c>.png`` tiles the first generated images
    of cluster ``c`` (top rows) above as many of its real images.

    Args:
        cluster_dir (str): The clustering stage's folder.
        gan_dir (str): The GAN stage's folder.
        gan_model (dict): The DCGAN's model config.
        num_generated (int): Defaults to 12000.
        generate_batch_size (int): Defaults to 256.
        save_size (tuple, optional): ``(h, w)`` to resize to. Defaults to
            None (the generator's size).
        seed (int, optional): Defaults to None: ``randomness.seed``.
        identity_sets (str): The identities each cluster's images are
            labelled with: ``'clusters'`` (``S_c``, SLSR) or ``'random'``
            (the control: for each cluster a random set of identities of
            the size of ``S_c``, drawn from all identities with ``seed``;
            :func:`random_identity_sets`). Defaults to 'clusters'.
    """

    def __init__(self, cfg: Config, work_dir: str, name: str,
                 cluster_dir: str, gan_dir: str, gan_model: dict,
                 num_generated: int = 12000, generate_batch_size: int = 256,
                 save_size: Optional[Sequence[int]] = None,
                 seed: Optional[int] = None,
                 identity_sets: str = 'clusters') -> None:
        super().__init__(cfg, work_dir, name)
        if identity_sets not in ('clusters', 'random'):
            raise ValueError(
                f"identity_sets must be 'clusters' or 'random', got "
                f'{identity_sets!r}')
        self.identity_sets = identity_sets
        self.cluster_dir = cluster_dir
        self.gan_dir = gan_dir
        self.gan_model = gan_model
        self.num_generated = num_generated
        self.batch_size = generate_batch_size
        self.save_size = save_size
        self.seed = _seed(cfg, seed)

    def run(self) -> Dict[str, Any]:
        from mmreidgen.apis import slsr_sample
        from mmreidgen.apis.model import load_weights
        clusters = read_clusters(self.cluster_dir)
        num_clusters = clusters['num_clusters']
        counts = split_evenly(self.num_generated, num_clusters)
        img_dir = osp.join(self.work_dir, 'images')
        os.makedirs(img_dir, exist_ok=True)
        lines = []
        bar = ProgressBar(sum(counts))
        real = {c: [] for c in range(num_clusters)}
        for image in clusters['images']:
            real[image['cluster']].append(image['img_path'])
        for c, count in enumerate(counts):
            shown = []
            ckpt = osp.join(self.gan_dir, f'cluster_{c}', 'final.pth')
            if not osp.isfile(ckpt):
                raise FileNotFoundError(
                    f'{ckpt} not found; train the DCGANs first '
                    '(SLSRTrainGANStage).')
            gan = load_weights(MODELS.build(copy.deepcopy(self.gan_model)),
                               ckpt).eval()
            rng = torch.Generator().manual_seed(self.seed * 1000 + c)
            for start in range(0, count, self.batch_size):
                num = min(self.batch_size, count - start)
                for i, img in enumerate(slsr_sample(gan, num, rng)):
                    if self.save_size is not None:
                        img = mmcv.imresize(img, tuple(self.save_size[::-1]))
                    if len(shown) < GRID_SIZE:
                        shown.append(img)
                    rel = osp.join('images', f'gan_{c}_{start + i:06d}.png')
                    mmcv.imwrite(img, osp.join(self.work_dir, rel))
                    lines.append(f'{rel} {c}\n')
                bar.update(num)
            mmcv.imwrite(
                sample_grid(shown, real[c][:len(shown)]),
                osp.join(self.work_dir, f'grid_cluster_{c}.png'))
        identities = clusters['identities']
        if self.identity_sets == 'random':
            identities = random_identity_sets(
                [len(ids) for ids in identities], clusters['num_classes'],
                self.seed)
        write_json(
            dict(
                num_classes=clusters['num_classes'],
                num_clusters=num_clusters,
                identities=identities,
                identity_sets=self.identity_sets,
                generated_per_cluster=counts),
            osp.join(self.work_dir, SPARSE_LABEL_FILE))
        tmp = osp.join(self.work_dir, LABEL_FILE + '.tmp')
        with open(tmp, 'w') as f:
            f.writelines(lines)
        os.replace(tmp, osp.join(self.work_dir, LABEL_FILE))
        print_log(
            f'SLSR: wrote {len(lines)} images ({counts} per cluster) to '
            f'{img_dir}.', logger='current')
        return dict(num_images=len(lines))


@STAGES.register_module('SLSRFinetuneStep')
@STAGES.register_module()
class SLSRFinetuneStage(BaseStage):
    """SLSR step 3: train the re-id model on real + generated images.

    Algorithm 1, line 15, with ``L_SLSR`` of Eq. (13): the stage's re-id
    training config with its training set replaced by
    ``ConcatDataset([real, generated])`` (the generated part an
    :class:`SLSRGeneratedDataset` on ``generated_dir`` through the real
    images' pipeline) and the classification loss replaced by
    ``loss_cls``. The model starts from the same initialisation as the
    baseline (ImageNet weights in the full configs), as in the paper;
    an interrupted run resumes from its own checkpoints.

    Args:
        generated_dir (str): The generation stage's folder.
        loss_cls (dict): Defaults to ``dict(type='SLSRLoss')``;
            ``LSROLoss`` for the comparison.
        max_generated (int, optional): Use at most this many generated
            images. Defaults to None (all).
    """

    def __init__(self, cfg: Config, work_dir: str, name: str,
                 generated_dir: str, loss_cls: Optional[dict] = None,
                 max_generated: Optional[int] = None) -> None:
        super().__init__(cfg, work_dir, name)
        self.generated_dir = generated_dir
        self.loss_cls = loss_cls or dict(type='SLSRLoss')
        self.max_generated = max_generated

    def train_config(self) -> Config:
        """The re-id training config with the generated images added."""
        cfg = copy.deepcopy(self.cfg)
        real = cfg.train_dataloader.dataset
        generated = dict(
            type='SLSRGeneratedDataset',
            data_root=self.generated_dir,
            pipeline=copy.deepcopy(real['pipeline']),
            num_classes=cfg.model.head.num_classes,
            max_images=self.max_generated)
        cfg.train_dataloader.dataset = dict(
            type='ConcatDataset',
            datasets=[real, generated],
            ignore_keys=['dataset_name'])
        cfg.model.head.loss_cls = copy.deepcopy(self.loss_cls)
        return cfg

    def run(self) -> Dict[str, Any]:
        return dict(final=train_in_dir(self.train_config(), self.work_dir))


@STAGES.register_module()
class SLSRFrechetStage(BaseStage):
    """A quality proxy of the generated images: Fréchet distances on the
    baseline's features.

    The Fréchet distance (:func:`robust_frechet`, the FID formula) is
    computed between the pooled features (as the clustering stage
    extracts them) of the real training images and of the generated
    images, for all images and per cluster (cluster ``c``'s generated
    images against its real images). No Inception weights are needed: the
    features are those of ``checkpoint``, the model the clusters came
    from. Two references bound the scale: ``real_halves`` (two random
    halves of the real images, a floor) and, per cluster, ``real_other``
    (the real images of the other clusters).

    Output in ``work_dir``: ``frechet.json`` and ``frechet.md``.

    Args:
        checkpoint (str): The re-id model whose features are compared (the
            clustering stage's).
        cluster_dir (str): The clustering stage's folder (its
            ``features.npy`` are the real images' features).
        generated_dir (str): The generation stage's folder.
        feature_batch_size (int): Defaults to 128.
        seed (int, optional): Seed of the random halves. Defaults to None:
            ``randomness.seed``.
    """

    def __init__(self, cfg: Config, work_dir: str, name: str,
                 checkpoint: str, cluster_dir: str, generated_dir: str,
                 feature_batch_size: int = 128,
                 seed: Optional[int] = None) -> None:
        super().__init__(cfg, work_dir, name)
        self.checkpoint = checkpoint
        self.cluster_dir = cluster_dir
        self.generated_dir = generated_dir
        self.feature_batch_size = feature_batch_size
        self.seed = _seed(cfg, seed)

    def run(self) -> Dict[str, Any]:
        from mmreidgen.apis import ReIDFeatureExtractor, init_model
        from mmreidgen.apis.feature_extraction import test_pipeline_of
        clusters = read_clusters(self.cluster_dir)
        real = np.load(osp.join(self.cluster_dir, 'features.npy'))
        real_cluster = np.array([i['cluster'] for i in clusters['images']])
        with open(osp.join(self.generated_dir, LABEL_FILE)) as f:
            rows = [line.split() for line in f if line.strip()]
        paths = [osp.join(self.generated_dir, r[0]) for r in rows]
        gen_cluster = np.array([int(r[1]) for r in rows])
        model = init_model(self.cfg, self.checkpoint)
        if torch.cuda.is_available():
            model = model.cuda()
        gen = ReIDFeatureExtractor(
            model, pipeline=test_pipeline_of(self.cfg),
            batch_size=self.feature_batch_size, mode='pooled')(paths)
        gen = gen['features']
        rng = np.random.default_rng(self.seed)
        order = rng.permutation(len(real))
        half = len(real) // 2
        result = dict(
            generated=robust_frechet(real, gen),
            real_halves=robust_frechet(real[order[:half]],
                                          real[order[half:]]),
            num_real=int(len(real)), num_generated=int(len(gen)),
            clusters=[])
        for c in range(clusters['num_clusters']):
            own, other = real[real_cluster == c], real[real_cluster != c]
            result['clusters'].append(dict(
                cluster=c,
                generated=robust_frechet(own, gen[gen_cluster == c]),
                real_other=robust_frechet(own, other),
                num_real=int(len(own)),
                num_generated=int((gen_cluster == c).sum())))
        write_json(result, osp.join(self.work_dir, 'frechet.json'))
        lines = [
            '| images | Fréchet distance to the real images '
            '(baseline features) |', '|---|---|',
            f'| all generated ({result["num_generated"]}) | '
            f'{result["generated"]:.2f} |',
            f'| real, one random half against the other | '
            f'{result["real_halves"]:.2f} |'
        ]
        for row in result['clusters']:
            lines.append(
                f'| cluster {row["cluster"]}: generated '
                f'({row["num_generated"]}) against its real '
                f'({row["num_real"]}) | {row["generated"]:.2f} |')
            lines.append(
                f'| cluster {row["cluster"]}: real of the other clusters '
                f'against its real | {row["real_other"]:.2f} |')
        text = '\n'.join(lines)
        with open(osp.join(self.work_dir, 'frechet.md'), 'w') as f:
            f.write(text + '\n')
        print_log('SLSR generated images, Fréchet distances:\n' + text,
                  logger='current')
        return dict(generated=result['generated'],
                    real_halves=result['real_halves'])
