"""Write the person masks CR-GAN reads for a re-id dataset or a folder.

For every image ``<data_root>/<subset>/.../<name>.jpg`` it writes
``<data_root>/masks/<subset>/.../<name>.png`` (single channel, person =
255), skipping masks that exist, so an interrupted run resumes where it
stopped. ``data_root`` without Market-1501's subset folders is a plain
folder of images: ``<data_root>/<name>.jpg`` gets
``<data_root>/masks/<name>.png``, where ``demo/crgan_render_demo.py``
looks. Mask folders (``masks*``) are never read as images. A near-empty
mask (the backend found no person) is written with a warning and counted
in the summary. Backends: ``grabcut`` (OpenCV, no weights), ``deeplabv3`` and
``maskrcnn`` (torchvision models from a local ``--weights`` file); see
``docs/en/dataset_prepare.md`` ("Person masks").

Examples::

    python tools/dataset_converters/make_person_masks.py data/market1501 \\
        --backend grabcut
    python tools/dataset_converters/make_person_masks.py my_images \\
        --backend grabcut
    python tools/dataset_converters/make_person_masks.py data/market1501 \\
        --backend deeplabv3 --weights deeplabv3_resnet50_coco-cd0a2569.pth
    # measure a backend against reference masks (synthetic benchmark)
    python tools/dataset_converters/make_person_masks.py \\
        data/synthreid_v2/synthmarket --subsets bounding_box_train \\
        --backend grabcut --mask-dir masks_grabcut --eval-against masks
"""
import argparse
import os.path as osp
import sys

from mmreidgen.datasets.preparation.person_masks import (
    DEFAULT_SUBSETS,
    MASK_BACKENDS,
    MASK_DIR,
    PersonMaskError,
    build_mask_backend,
    default_subsets,
    make_person_masks,
    mean_mask_iou,
)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write <data_root>/masks/<subset>/<stem>.png person '
        'masks (person = 255) for a re-id dataset.')
    parser.add_argument('data_root',
                        help='dataset root, or a plain folder of images')
    parser.add_argument(
        '--subsets',
        nargs='+',
        default=None,
        help='image folders below data_root, . for data_root itself '
        f'(default: {" ".join(DEFAULT_SUBSETS)} where one exists, else .)')
    parser.add_argument(
        '--backend', choices=sorted(MASK_BACKENDS), required=True)
    parser.add_argument(
        '--weights',
        help='local weights file of the deeplabv3/maskrcnn backend')
    parser.add_argument('--device', default='cpu', help='torch device')
    parser.add_argument(
        '--mask-dir',
        default=MASK_DIR,
        help='mask folder below data_root (default: %(default)s, the one '
        'the datasets read)')
    parser.add_argument(
        '--overwrite', action='store_true', help='recompute existing masks')
    parser.add_argument(
        '--eval-against',
        metavar='DIR',
        help='after writing, print the mean IoU against the reference masks '
        'in <data_root>/DIR')
    parser.add_argument(
        '--no-progress', action='store_true', help='hide the progress bar')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    subsets = args.subsets or list(default_subsets(args.data_root))
    try:
        backend = build_mask_backend(args.backend, args.weights, args.device)
        summary = make_person_masks(
            args.data_root,
            backend,
            subsets=subsets,
            mask_dir=args.mask_dir,
            overwrite=args.overwrite,
            progress=not args.no_progress)
        near_empty = len(summary.near_empty)
        print(f'wrote {summary.written} masks ({near_empty} near-empty'
              f'{": check them" if near_empty else ""}), kept '
              f'{summary.skipped} existing, below '
              f'{osp.join(args.data_root, args.mask_dir)}')
        if args.eval_against:
            iou = mean_mask_iou(args.data_root, args.mask_dir,
                                args.eval_against, subsets)
            print(f'mean IoU of {args.backend} against '
                  f'{args.eval_against}: {iou:.4f}')
    except (PersonMaskError, FileNotFoundError, ValueError, KeyError) as e:
        print(f'\nerror: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
