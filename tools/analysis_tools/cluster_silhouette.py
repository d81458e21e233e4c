"""Table 1 of SLSR: silhouette score of k-means for k = 2..5.

Extracts the globally pooled last-stage features of a trained re-id model
on the training set of a config (any dataset), clusters them with k-means
and prints the average silhouette score per k, on the features and on
their 2-D PCA projection (the authors' protocol)::

    python tools/analysis_tools/cluster_silhouette.py \
        configs/slsr/slsr_r50_market.py \
        work_dirs/slsr_r50_market/stage1_baseline/final.pth

or from features saved by the clustering stage of an SLSR run::

    python tools/analysis_tools/cluster_silhouette.py \
        --features work_dirs/slsr_r50_market/stage2_cluster/features.npy
"""
import argparse
import copy

import numpy as np

from mmreidgen.apis import (
    ReIDFeatureExtractor,
    build_dataloader,
    init_model,
    load_config,
)
from mmreidgen.apis.cli import add_cfg_options, run_tool
from mmreidgen.apis.feature_extraction import test_pipeline_of
from mmreidgen.evaluation.functional.clustering import (
    format_silhouette_table,
    silhouette_table,
)
from mmreidgen.utils import register_all_modules


def parse_args():
    parser = argparse.ArgumentParser(
        description='Silhouette score of k-means on re-id features '
        '(Table 1 of SLSR)')
    parser.add_argument('config', nargs='?', help='re-id config')
    parser.add_argument('checkpoint', nargs='?', help='trained weights')
    parser.add_argument(
        '--features', help='an N x C .npy file instead of config+checkpoint')
    parser.add_argument(
        '--ks', type=int, nargs='+', default=[2, 3, 4, 5],
        help='numbers of clusters')
    parser.add_argument(
        '--pca-dim', type=int, default=2,
        help='dimension of the PCA protocol; 0 to skip it')
    parser.add_argument(
        '--sample-size', type=int, default=None,
        help='score a random subset of this size (silhouette is O(N^2))')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument(
        '--save-features', help='write the extracted features (.npy)')
    add_cfg_options(parser)
    args = parser.parse_args()
    if args.features is None and (args.config is None
                                  or args.checkpoint is None):
        parser.error('give CONFIG and CHECKPOINT, or --features FILE.npy')
    return args


def main():
    args = parse_args()
    if args.features is not None:
        features = np.load(args.features)
    else:
        register_all_modules()
        cfg = load_config(args.config, args.cfg_options)
        model = init_model(cfg, args.checkpoint)
        dataset_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
        dataset_cfg['pipeline'] = test_pipeline_of(cfg)
        loader = build_dataloader(dict(num_workers=0), dataset_cfg,
                                  batch_size=args.batch_size)
        features = ReIDFeatureExtractor(model, mode='pooled')(loader)[
            'features']
        if args.save_features:
            np.save(args.save_features, features)
    rows = silhouette_table(features, args.ks, args.seed, args.pca_dim or None,
                            args.sample_size)
    print(f'{len(features)} features of dimension {features.shape[1]}')
    print(format_silhouette_table(rows))


if __name__ == '__main__':
    run_tool(lambda argv: main())
