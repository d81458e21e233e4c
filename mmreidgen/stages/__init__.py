"""Multi-stage pipelines: the runner, the generic stages, method steps.

Each method's pipeline reads as one story in its config; this package only
orchestrates (the math is in ``evaluation/functional`` and ``models``):

- :class:`PipelineRunner`: runs the stages, skips finished ones, notices
  changed settings, resumes interrupted ones;
- :class:`TrainStage` (``'train'``), :class:`TestStage` (``'test'``);
- :mod:`.runs`: :func:`test_checkpoint` (``tools/test.py``) and
  :func:`evaluate_splits` (every split of a protocol);
- SLSR's :class:`SLSRClusterStage`, :class:`SLSRTrainGANStage`,
  :class:`SLSRGenerateStage`, :class:`SLSRFinetuneStage`,
  :class:`SLSRFrechetStage`;
- :class:`ClusterContrastStage`: pseudo-label adaptation to an unlabelled
  target (Cluster Contrast).
"""
from .base_stage import BaseStage
from .pipeline_runner import PipelineRunner, StaleStageError
from .pseudo_label_stages import ClusterContrastStage
from .runs import (
    SPLIT_VARIABLES,
    add_result_dump,
    evaluate_splits,
    split_variable,
    test_checkpoint,
)
from .slsr_stages import (
    SLSRClusterStage,
    SLSRFinetuneStage,
    SLSRFrechetStage,
    SLSRGenerateStage,
    SLSRTrainGANStage,
    read_clusters,
)
from .train_test_stages import TestStage, TrainStage, train_in_dir

__all__ = [
    'BaseStage', 'PipelineRunner', 'StaleStageError', 'TrainStage',
    'TestStage', 'train_in_dir', 'SLSRClusterStage', 'SLSRTrainGANStage',
    'SLSRGenerateStage', 'SLSRFinetuneStage', 'SLSRFrechetStage',
    'read_clusters', 'ClusterContrastStage',
    'SPLIT_VARIABLES', 'add_result_dump', 'evaluate_splits',
    'split_variable', 'test_checkpoint'
]
