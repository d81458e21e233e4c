"""Render the synthetic two-domain benchmark in the Market-1501 layout.

Two domains, ``synthmarket`` and ``synthduke``, are written in the exact
Market-1501 layout so that :class:`mmreidgen.datasets.Market1501` reads
both::

    <out>/synthmarket/bounding_box_train/0002_c1s1_000451_03.jpg
    <out>/synthmarket/query/...
    <out>/synthmarket/bounding_box_test/...
    <out>/synthmarket/masks/<subfolder>/<same stem>.png   # person = 255
    <out>/synthduke/...                                   # same layout
    <out>/stats.json                                      # counts, cameras

Version 2 (the default) also writes ``masks_exact/`` beside ``masks/``:
``masks/`` then holds parser-like masks and ``masks_exact/`` the exact
silhouettes. Version 1 stays reproducible byte for byte (``version=1``).
Everything is drawn with numpy and OpenCV from one seed; the same seed
and version give the same bytes on the same OpenCV build.
``docs/en/synthetic_benchmark.md`` describes the design of each version.
"""
import dataclasses
import os
import os.path as osp
import time
from concurrent.futures import ProcessPoolExecutor
from typing import List, Optional, Sequence

import cv2
import numpy as np

from mmreidgen.utils.environment import environment_record
from mmreidgen.utils.masks import mask_iou

from .camera import (
    camera_summary,
    camera_summary_v2,
    render_image,
    render_image_v2,
    sample_camera,
    sample_cameras_v2,
    sample_tracklet,
)
from .common import VIEWS
from .person import sample_identity
from .styles import DOMAINS, REALISM_V2, DomainStyle
from .writer import SUBSET_DIRS, MarketWriter, write_stats


def sample_visits(rng: np.random.Generator,
                  cameras: List[dict]) -> np.ndarray:
    """Cameras one identity walks past: 2-4, busier cameras more often.

    Args:
        rng (np.random.Generator): The domain's plan generator.
        cameras (list[dict]): From :func:`sample_camera`.

    Returns:
        np.ndarray: Sorted 0-based camera indices.
    """
    busy = np.array([c['busy'] for c in cameras])
    k = int(rng.choice([2, 3, 4], p=[0.4, 0.4, 0.2]))
    k = min(k, len(cameras))
    return np.sort(rng.choice(len(cameras), k, replace=False,
                              p=busy / busy.sum()))


def render_domain(out_root: str, style: DomainStyle, seed: int,
                  domain_index: int, num_train_ids: int, num_test_ids: int,
                  num_distractors: int, num_junk: int,
                  masks: bool = True, version: int = 2) -> dict:
    """Render one domain in the Market-1501 layout.

    Args:
        out_root (str): Benchmark folder; the domain goes to
            ``<out_root>/<style.name>``.
        style (DomainStyle): The domain's look.
        seed (int): Seed of the whole benchmark.
        domain_index (int): Position of the domain in ``DOMAINS``; with
            ``seed`` it seeds every generator of the domain.
        num_train_ids (int): Training identities.
        num_test_ids (int): Query/gallery identities.
        num_distractors (int): Gallery distractors (id 0000).
        num_junk (int): Gallery junk boxes (id -1).
        masks (bool): Write person masks. Defaults to True.
        version (int): Renderer version, 1 or 2. Defaults to 2.

    Returns:
        dict: Root folder, camera summaries and per-subset counts; for
        version 2 also the realism parameters and the mean IoU of the
        parser-like masks against the exact ones.
    """
    root = osp.join(out_root, style.name)
    base = [seed, domain_index]
    rng = np.random.default_rng(base + [0])
    num_cams = len(style.scenes)
    low_res = set(rng.choice(num_cams, style.low_res_cameras,
                             replace=False).tolist())
    if version == 1:
        cameras = [
            sample_camera(rng, style, c, c in low_res)
            for c in range(num_cams)
        ]
    else:
        realism = REALISM_V2[style.name]
        cameras = sample_cameras_v2(rng, style, realism, sorted(low_res))
    id_rng = np.random.default_rng(base + [1])
    num_ids = num_train_ids + num_test_ids
    # Market-style ids: 1..N shuffled, so training ids are not contiguous.
    pids = id_rng.permutation(np.arange(1, num_ids + 1))
    people = {int(p): sample_identity(id_rng, style) for p in np.sort(pids)}
    train_pids = sorted(int(p) for p in pids[:num_train_ids])
    test_pids = sorted(int(p) for p in pids[num_train_ids:])

    mask_dirs = ('masks', ) if version == 1 else ('masks', 'masks_exact')
    writer = MarketWriter(root, num_cams, mask_dirs if masks else ())
    counts = {s: dict(images=0, ids=set(), cams=set()) for s in SUBSET_DIRS}
    image_index = [0]
    ious = []

    def emit(subset, pid, cam, person, view, kind='person', tracklet=None,
             box_index=0):
        img_rng = np.random.default_rng(base + [2, image_index[0]])
        image_index[0] += 1
        if version == 1:
            img, mask = render_image(img_rng, cameras[cam], person, view,
                                     kind)
            box_masks = dict(masks=mask)
        else:
            img, parser, exact = render_image_v2(
                img_rng, cameras[cam], person, view, kind, tracklet,
                box_index, hand_drawn=subset in realism.hand_drawn)
            box_masks = dict(masks=parser, masks_exact=exact)
            if exact.any():
                ious.append(mask_iou(parser, exact))
        writer.write(img_rng, subset, pid, cam, img, box_masks,
                     cameras[cam]['jpeg'])
        counts[subset]['images'] += 1
        counts[subset]['ids'].add(pid)
        counts[subset]['cams'].add(cam)

    plan_rng = np.random.default_rng(base + [3])
    train_set = set(train_pids)
    tracklet_index = 0
    for pid in train_pids + test_pids:
        is_train = pid in train_set
        for cam in sample_visits(plan_rng, cameras):
            view = VIEWS[plan_rng.choice(4, p=cameras[cam]['view_p'])]
            # Version 2: one walk past the camera shares its light and
            # décor; its own generator keeps the plan's draws unchanged.
            tracklet = None if version == 1 else sample_tracklet(
                np.random.default_rng(base + [4, tracklet_index]),
                cameras[cam])
            tracklet_index += 1
            if is_train:
                for i in range(int(plan_rng.integers(2, 5))):
                    emit('train', pid, cam, people[pid], view,
                         tracklet=tracklet, box_index=i)
            else:
                emit('query', pid, cam, people[pid], view,
                     tracklet=tracklet)
                for i in range(int(plan_rng.integers(1, 4))):
                    emit('gallery', pid, cam, people[pid], view,
                         tracklet=tracklet, box_index=i + 1)
    for _ in range(num_distractors):
        kind = str(plan_rng.choice(['background', 'partial', 'far'],
                                   p=[0.4, 0.3, 0.3]))
        cam = int(plan_rng.integers(num_cams))
        emit('gallery', 0, cam, sample_identity(plan_rng, style),
             VIEWS[plan_rng.integers(4)], kind)
    for _ in range(num_junk):
        cam = int(plan_rng.integers(num_cams))
        emit('gallery', -1, cam, sample_identity(plan_rng, style),
             VIEWS[plan_rng.integers(4)], 'junk')
    subsets = _subset_counts(counts, num_distractors, num_junk)
    if version == 1:
        return dict(root=root, num_cameras=num_cams, subsets=subsets,
                    cameras=[camera_summary(c) for c in cameras])
    return dict(root=root, num_cameras=num_cams, subsets=subsets,
                cameras=[camera_summary_v2(c) for c in cameras],
                realism=dataclasses.asdict(realism),
                parser_mask_iou=dict(
                    mean=round(float(np.mean(ious)), 4) if ious else None,
                    num_boxes=len(ious)))


def _subset_counts(counts: dict, num_distractors: int,
                   num_junk: int) -> dict:
    """Per subset: real identities (id > 0), images and cameras."""
    subsets = {}
    for subset, c in counts.items():
        real = {p for p in c['ids'] if p > 0}
        subsets[subset] = dict(num_ids=len(real), num_images=c['images'],
                               num_cameras=len(c['cams']))
    subsets['gallery'].update(num_distractors=num_distractors,
                              num_junk=num_junk)
    return subsets


def make_synthetic_reid(out_dir: str,
                        seed: int = 0,
                        num_train_ids: int = 100,
                        num_test_ids: int = 100,
                        num_distractors: Optional[int] = None,
                        num_junk: Optional[int] = None,
                        domains: Sequence[str] = ('synthmarket', 'synthduke'),
                        masks: bool = True,
                        workers: int = 1,
                        version: int = 2) -> dict:
    """Render the synthetic benchmark; see the module docstring.

    Args:
        out_dir (str): Output folder; one sub-folder per domain.
        seed (int): Seed of everything. Defaults to 0.
        num_train_ids (int): Training identities per domain.
            Defaults to 100.
        num_test_ids (int): Query/gallery identities per domain.
            Defaults to 100.
        num_distractors (int, optional): Gallery distractors (id 0000) per
            domain. None means ``max(2, num_test_ids // 2)``.
            Defaults to None.
        num_junk (int, optional): Gallery junk boxes (id -1) per domain.
            None means ``max(1, num_test_ids // 10)``. Defaults to None.
        domains (Sequence[str]): Domains to render, from ``DOMAINS``.
            Defaults to ``('synthmarket', 'synthduke')``.
        masks (bool): Write person masks. Defaults to True.
        workers (int): Processes, one domain each; the output does not
            depend on it. Defaults to 1.
        version (int): Renderer version: 2 (parser-like masks, light per
            tracklet and place, shared décor, box jitter) or 1 (the first
            benchmark, reproduced byte for byte). Defaults to 2.

    Returns:
        dict: ``out_dir``, ``version``, ``seed``, ``seconds`` and
        ``domains``:
        per-domain ``root``, ``num_cameras``, ``subsets`` (``num_ids``,
        ``num_images``, ``num_cameras``) and ``cameras`` (parameters);
        version 2 adds ``realism`` and ``parser_mask_iou`` per domain.
        The same dict is saved as ``<out_dir>/stats.json``.
    """
    if version not in (1, 2):
        raise ValueError(f'version={version!r} is unknown; use 1 or 2.')
    unknown = [d for d in domains if d not in DOMAINS]
    if unknown:
        raise ValueError(
            f'Unknown domains {unknown}; choose from {sorted(DOMAINS)}.')
    if num_train_ids < 1 or num_test_ids < 1:
        raise ValueError(
            f'num_train_ids={num_train_ids} and num_test_ids='
            f'{num_test_ids} must both be at least 1.')
    if num_distractors is None:
        num_distractors = max(2, num_test_ids // 2)
    if num_junk is None:
        num_junk = max(1, num_test_ids // 10)
    os.makedirs(out_dir, exist_ok=True)
    start = time.perf_counter()
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)  # boxes are tiny: threads cost more than they save
    jobs = [(out_dir, DOMAINS[name], seed, list(DOMAINS).index(name),
             num_train_ids, num_test_ids, num_distractors, num_junk, masks,
             version) for name in domains]
    try:
        if workers > 1 and len(jobs) > 1:
            with ProcessPoolExecutor(min(workers, len(jobs))) as pool:
                done = list(pool.map(render_domain, *zip(*jobs)))
        else:
            done = [render_domain(*job) for job in jobs]
    finally:
        cv2.setNumThreads(threads)
    result = dict(out_dir=osp.abspath(out_dir), version=version, seed=seed,
                  seconds=round(time.perf_counter() - start, 2),
                  domains=dict(zip(domains, done)),
                  # The bytes depend on the OpenCV release (cv2.pow).
                  environment=environment_record())
    write_stats(result, out_dir)
    return result


def identity_attributes(domain_root: str) -> dict:
    """The clothing colours the renderer drew for each identity of a domain.

    The renderer writes no per-identity file; the identities are drawn
    from their own generator (seeded by the benchmark's seed and the
    domain) before any image, so they are drawn again here from
    ``<out>/stats.json`` (seed and identity counts), without rendering.

    Args:
        domain_root (str): A domain folder of a rendering, e.g.
            ``data/synthreid_v2/synthmarket``.

    Returns:
        dict: ``{person id on disk: dict(upper=..., lower=..., train=...)}``:
        the colour names (keys of ``COLOURS``) of the upper and lower
        clothing, and whether the identity is a training one.
    """
    import json
    domain_root = osp.abspath(domain_root)
    name = osp.basename(domain_root.rstrip('/'))
    stats_path = osp.join(osp.dirname(domain_root), 'stats.json')
    if not osp.isfile(stats_path):
        raise FileNotFoundError(
            f'{stats_path} not found: {domain_root} is not a rendering of '
            'the synthetic benchmark (make_synthetic_reid writes it).')
    with open(stats_path) as f:
        stats = json.load(f)
    if name not in stats['domains'] or name not in DOMAINS:
        raise KeyError(f'{stats_path} has no domain {name!r}; it has '
                       f'{sorted(stats["domains"])}.')
    subsets = stats['domains'][name]['subsets']
    num_ids = subsets['train']['num_ids'] + subsets['query']['num_ids']
    id_rng = np.random.default_rng(
        [int(stats['seed']), list(DOMAINS).index(name), 1])
    pids = id_rng.permutation(np.arange(1, num_ids + 1))
    train = set(pids[:subsets['train']['num_ids']].tolist())
    out = {}
    for pid in np.sort(pids):
        person = sample_identity(id_rng, DOMAINS[name])
        out[int(pid)] = dict(upper=person['upper_name'],
                             lower=person['lower_name'],
                             train=int(pid) in train)
    return out


def format_stats(result: dict) -> str:
    """Format the per-domain, per-subset counts as a table.

    Args:
        result (dict): What :func:`make_synthetic_reid` returns.

    Returns:
        str: One line per domain and subset, then the render time.
    """
    lines = [f'{"domain":<12} {"subset":<8} {"# ids":>6} {"# images":>9} '
             f'{"# cameras":>9}']
    for name, dom in result['domains'].items():
        for subset, s in dom['subsets'].items():
            lines.append(f'{name:<12} {subset:<8} {s["num_ids"]:>6} '
                         f'{s["num_images"]:>9} {s["num_cameras"]:>9}')
        g = dom['subsets']['gallery']
        lines.append(f'{"":<12} gallery includes {g["num_distractors"]} '
                     f'distractors (0000) and {g["num_junk"]} junk (-1)')
        iou = dom.get('parser_mask_iou')
        if iou and iou['mean'] is not None:
            lines.append(f'{"":<12} parser-like masks: mean IoU '
                         f'{iou["mean"]:.3f} against the exact ones '
                         f'({iou["num_boxes"]} boxes)')
    lines.append(f'version {result.get("version", 1)} rendered in '
                 f'{result["seconds"]} s into {result["out_dir"]}')
    return '\n'.join(lines)
