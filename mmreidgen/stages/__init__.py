"""Multi-stage pipelines: the runner, the generic stages, method steps.

Each method's pipeline reads as one story in its config; this package only
orchestrates (the math is in ``evaluation/functional`` and ``models``):

- :mod:`.config`: how a config and each stage's config are resolved;
- :class:`PipelineRunner`: runs the stages, skips finished ones, notices
  changed settings, resumes interrupted ones;
- :class:`TrainStage` (``'train'``), :class:`TestStage` (``'test'``);
- SLSR's :class:`SLSRClusterStage`, :class:`SLSRTrainGANStage`,
  :class:`SLSRGenerateStage`, :class:`SLSRFinetuneStage`,
  :class:`SLSRFrechetStage`.
"""
from .base_stage import BaseStage
from .config import ConfigError, load_config, resolve_stage, stage_names
from .pipeline_runner import PipelineRunner, StaleStageError
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
    'BaseStage', 'ConfigError', 'load_config', 'resolve_stage',
    'stage_names', 'PipelineRunner', 'StaleStageError', 'TrainStage',
    'TestStage', 'train_in_dir', 'SLSRClusterStage', 'SLSRTrainGANStage',
    'SLSRGenerateStage', 'SLSRFinetuneStage', 'SLSRFrechetStage',
    'read_clusters'
]
