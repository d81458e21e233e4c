"""Tests of the person-mask backends and tools/.../make_person_masks.py."""
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from conftest import REPO as ROOT

from mmreidgen.datasets.preparation.person_masks import (
    DeepLabV3Masker,
    GrabCutMasker,
    MaskRCNNMasker,
    PersonMaskError,
    build_mask_backend,
    make_person_masks,
    mean_mask_iou,
)

TOOL = osp.join(ROOT, 'tools', 'dataset_converters', 'make_person_masks.py')


def _person(seed: int):
    """A 64x32 crop: a coloured body on a textured background + its mask."""
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 60, (64, 32, 3), dtype=np.uint8)
    mask = np.zeros((64, 32), np.uint8)
    cv2.ellipse(mask, (16, 34), (8, 28), 0, 0, 360, 255, -1)
    img[mask > 0] = rng.integers(150, 255, 3, dtype=np.uint8)
    return img, mask


@pytest.fixture
def tree(tmp_path):
    rels = ['bounding_box_train/0001_c1s1_000001_00.jpg',
            'bounding_box_train/0002_c2s1_000002_00.jpg',
            'query/0001_c2s1_000003_00.jpg',
            'bounding_box_test/0001_c3s1_000004_00.jpg']
    for i, rel in enumerate(rels):
        img, mask = _person(i)
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(tmp_path / rel), img)
        gt = tmp_path / 'gt' / rel.replace('.jpg', '.png')
        gt.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(gt), mask)
    return tmp_path, rels


def test_grabcut_writes_layout_and_resumes(tree):
    root, rels = tree
    summary = make_person_masks(str(root), GrabCutMasker(), progress=False)
    assert (summary.written, summary.skipped) == (4, 0)
    assert summary.near_empty == []
    for rel in rels:
        path = root / 'masks' / rel.replace('.jpg', '.png')
        mask = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        assert mask.shape == (64, 32) and mask.dtype == np.uint8
        assert set(np.unique(mask)) <= {0, 255}
    # an easy synthetic person is found
    assert mean_mask_iou(str(root), 'masks', 'gt') > 0.7
    # existing masks are kept untouched
    first = root / 'masks' / rels[0].replace('.jpg', '.png')
    cv2.imwrite(str(first), np.zeros((64, 32), np.uint8))
    assert make_person_masks(str(root), GrabCutMasker(),
                             progress=False)[:2] == (0, 4)
    assert cv2.imread(str(first), 0).max() == 0
    assert make_person_masks(
        str(root), GrabCutMasker(), subsets=['query'], overwrite=True,
        progress=False)[:2] == (1, 0)


def test_masks_are_what_the_dataset_reads(tree):
    from mmreidgen.datasets import Market1501
    root, rels = tree
    make_person_masks(str(root), GrabCutMasker(), progress=False)
    ds = Market1501(
        data_root=str(root), subset='train', with_mask=True, pipeline=[],
        lazy_init=False)
    assert len(ds) == 2
    assert all(osp.isfile(ds.get_data_info(i)['mask_path'])
               for i in range(len(ds)))


def test_corrupt_image_one_message(tree):
    root, rels = tree
    bad = root / 'query' / '0003_c1s1_000009_00.jpg'
    bad.write_bytes(b'not a jpeg')
    proc = subprocess.run(
        [sys.executable, TOOL, str(root), '--backend', 'grabcut',
         '--no-progress'],
        capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 1
    assert str(bad) in proc.stderr
    assert 'Traceback' not in proc.stderr
    assert proc.stderr.strip().count('\n') == 0, proc.stderr
    # images sorted before the bad one got their masks (resumable)
    assert (root / 'masks' / rels[0].replace('.jpg', '.png')).is_file()
    with pytest.raises(PersonMaskError, match='0003_c1s1_000009_00.jpg'):
        make_person_masks(str(root), GrabCutMasker(), progress=False)


def test_tool_eval_against(tree):
    root, _ = tree
    proc = subprocess.run(
        [sys.executable, TOOL, str(root), '--backend', 'grabcut',
         '--subsets', 'bounding_box_train', '--mask-dir', 'pred',
         '--eval-against', 'gt', '--no-progress'],
        capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert 'mean IoU of grabcut against gt' in proc.stdout
    assert (root / 'pred' / 'bounding_box_train').is_dir()


def test_plain_folder_twice_then_the_render_demo(tmp_path, capsys):
    """A folder of one's own images: no --subsets, masks beside the
    images where the CR-GAN render demo finds them, the second run skips
    its own output, a near-empty mask is warned about and counted."""
    from conftest import load_tool
    tool = load_tool('tools/dataset_converters/make_person_masks.py')
    render_demo = load_tool('demo/crgan_render_demo.py')
    folder = tmp_path / 'my_images'
    (folder / 'day2').mkdir(parents=True)
    for i, rel in enumerate(['a.jpg', 'b.png', 'day2/c.jpg']):
        cv2.imwrite(str(folder / rel), _person(i)[0])
    # One flat grey frame: GrabCut finds no person in it.
    cv2.imwrite(str(folder / 'grey.jpg'), np.full((64, 32, 3), 128,
                                                  np.uint8))
    argv = [str(folder), '--backend', 'grabcut', '--no-progress']
    assert tool.main(argv) == 0
    out = capsys.readouterr().out
    assert 'wrote 4 masks (1 near-empty: check them), kept 0' in out, out
    written = sorted(
        osp.relpath(osp.join(d, f), folder / 'masks')
        for d, _, files in os.walk(folder / 'masks') for f in files)
    assert written == ['a.png', 'b.png', 'day2/c.png', 'grey.png']
    assert tool.main(argv) == 0
    assert 'wrote 0 masks (0 near-empty), kept 4' in capsys.readouterr().out
    assert not (folder / 'masks' / 'masks').exists()
    summary = make_person_masks(str(folder), GrabCutMasker(),
                                overwrite=True, progress=False)
    assert summary.written == 4 and summary.near_empty == ['grey.jpg']
    # Where the render demo looks, for a top-level and a nested image.
    for rel in ('a.jpg', 'day2/c.jpg'):
        found = render_demo.find_mask(str(folder / rel))
        assert found == str(folder / 'masks' / rel.replace('.jpg', '.png'))


def test_progress_bar_writes_one_line_per_update():
    """Not a terminal: a batch covering several tenths is one line."""
    import io

    from mmreidgen.utils.progress import ProgressBar
    out = io.StringIO()
    bar = ProgressBar(10, file=out)
    bar.update(5)
    bar.update(1)
    bar.update(4)
    lines = out.getvalue().splitlines()
    assert [line.split(' ')[0] for line in lines] == \
        ['[5/10]', '[6/10]', '[10/10]'], lines


def test_missing_weights_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match='COCO_WITH_VOC_LABELS_V1'):
        build_mask_backend('deeplabv3', str(tmp_path / 'none.pth'))
    with pytest.raises(FileNotFoundError, match='MaskRCNN_ResNet50_FPN'):
        build_mask_backend('maskrcnn', None)
    with pytest.raises(ValueError, match='takes no weights'):
        build_mask_backend('grabcut', 'x.pth')
    wrong = tmp_path / 'wrong.pth'
    torch.save({'fc.weight': torch.zeros(2, 2)}, wrong)
    with pytest.raises(ValueError, match='not a deeplabv3 state dict'):
        build_mask_backend('deeplabv3', str(wrong))


def test_torchvision_backends_smoke(tmp_path):
    """Random weights saved and loaded back: shapes only, not quality."""
    from torchvision.models.detection import maskrcnn_resnet50_fpn
    from torchvision.models.segmentation import deeplabv3_resnet50
    torch.manual_seed(0)
    img, _ = _person(0)
    path = tmp_path / 'deeplab.pth'
    torch.save(
        deeplabv3_resnet50(
            weights=None, weights_backbone=None, num_classes=21,
            aux_loss=True).state_dict(), path)
    mask = DeepLabV3Masker(str(path), short_side=32)(img)
    assert mask.shape == (64, 32) and mask.dtype == np.uint8
    path = tmp_path / 'maskrcnn.pth'
    torch.save(
        maskrcnn_resnet50_fpn(
            weights=None, weights_backbone=None,
            num_classes=91).state_dict(), path)
    masker = MaskRCNNMasker(str(path), score_thr=0.0)
    masker.model.transform.min_size = (64, )  # keep CPU time small
    mask = masker(img)
    assert mask.shape == (64, 32) and mask.dtype == np.uint8



def test_torchvision_maskers_turn_network_outputs_into_masks():
    """The BGR crop reaches the network as normalised RGB, and the
    network's person output becomes an HxW uint8 mask of 0/255 (the
    networks are replaced by stand-ins with known outputs)."""
    crop = np.zeros((24, 12, 3), np.uint8)
    crop[..., 2] = 255  # red in BGR

    def segmenter(x):
        # Red in channel 0 proves the BGR -> RGB swap; 'person' (15) wins
        # on the right half of the resized crop.
        assert x.shape[-2:] == (64, 32) and x[0, 0].mean() > x[0, 2].mean()
        logits = torch.zeros(1, 21, *x.shape[-2:])
        logits[:, 15, :, x.shape[-1] // 2:] = 1
        return dict(out=logits)

    deeplab = object.__new__(DeepLabV3Masker)
    deeplab.model, deeplab.device, deeplab.short_side = segmenter, 'cpu', 32
    mask = deeplab(crop)
    assert mask.shape == (24, 12) and mask.dtype == np.uint8
    assert (mask[:, 7:] == 255).all() and not mask[:, :5].any()

    def detector(images):
        h, w = images[0].shape[-2:]
        masks = torch.zeros(3, 1, h, w)
        masks[1, 0, :, :6] = 0.9  # the person filling the crop
        masks[2, 0] = 0.9  # a car
        return [dict(labels=torch.tensor([1, 1, 3]),
                     scores=torch.tensor([0.9, 0.8, 0.99]),
                     boxes=torch.tensor([[0., 0., 4., 4.], [0., 0., w, h],
                                         [0., 0., w, h]]),
                     masks=masks)]

    maskrcnn = object.__new__(MaskRCNNMasker)
    maskrcnn.model, maskrcnn.device, maskrcnn.score_thr = detector, 'cpu', .5
    mask = maskrcnn(crop)
    assert (mask[:, :6] == 255).all() and not mask[:, 6:].any()
    maskrcnn.score_thr = 0.95  # only the car is left: no person
    assert not maskrcnn(crop).any()
