"""Registries of mmreidgen, children of mmengine's root registries.

Every component is registered in one of these nodes with
``@MODELS.register_module()`` and built from a config by its class name.
``locations`` lets the registry import the package that defines a name the
first time it is built, so configs need no manual imports. Third-party
packages register into the same nodes and are loaded with
``custom_imports=dict(imports=['my_plugin'])`` in a config.
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import (
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
)
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import (
    WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS,
)
from mmengine.registry import Registry

__all__ = [
    'RUNNERS', 'STAGES', 'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS',
    'MODELS', 'METRICS',
    'EVALUATOR', 'HOOKS', 'LOOPS', 'OPTIMIZERS', 'OPTIM_WRAPPERS',
    'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS', 'VISUALIZERS',
    'WEIGHT_INITIALIZERS',
    'VISBACKENDS'
]

RUNNERS = Registry(
    'runner', parent=MMENGINE_RUNNERS, locations=['mmreidgen.stages'])
# The stages of a multi-stage pipeline (mmreidgen/stages): 'train', 'test'
# and each method's own steps. Not an mmengine node: mmengine has none.
STAGES = Registry('stage', locations=['mmreidgen.stages'])
DATASETS = Registry(
    'dataset', parent=MMENGINE_DATASETS, locations=['mmreidgen.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler',
    parent=MMENGINE_DATA_SAMPLERS,
    locations=['mmreidgen.datasets.samplers'])
TRANSFORMS = Registry(
    'transform',
    parent=MMENGINE_TRANSFORMS,
    locations=['mmreidgen.datasets.transforms'])
# One node for backbones, generators, discriminators, losses, heads and
# whole algorithms, as in mmpretrain.
MODELS = Registry(
    'model', parent=MMENGINE_MODELS, locations=['mmreidgen.models'])
METRICS = Registry(
    'metric', parent=MMENGINE_METRICS, locations=['mmreidgen.evaluation'])
EVALUATOR = Registry(
    'evaluator',
    parent=MMENGINE_EVALUATOR,
    locations=['mmreidgen.evaluation'])
HOOKS = Registry(
    'hook', parent=MMENGINE_HOOKS, locations=['mmreidgen.engine.hooks'])
LOOPS = Registry(
    'loop', parent=MMENGINE_LOOPS, locations=['mmreidgen.engine.runner'])
OPTIMIZERS = Registry(
    'optimizer',
    parent=MMENGINE_OPTIMIZERS,
    locations=['mmreidgen.engine.optimizers'])
OPTIM_WRAPPERS = Registry(
    'optim wrapper',
    parent=MMENGINE_OPTIM_WRAPPERS,
    locations=['mmreidgen.engine.optimizers'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
    locations=['mmreidgen.engine.optimizers'])
PARAM_SCHEDULERS = Registry(
    'parameter scheduler',
    parent=MMENGINE_PARAM_SCHEDULERS,
    locations=['mmreidgen.engine.optimizers'])
VISUALIZERS = Registry(
    'visualizer',
    parent=MMENGINE_VISUALIZERS,
    locations=['mmreidgen.visualization'])
VISBACKENDS = Registry(
    'vis_backend',
    parent=MMENGINE_VISBACKENDS,
    locations=['mmreidgen.visualization'])
# Strict 'Pretrained' initialisation (mmreidgen/models/utils/pretrained.py):
# a backbone file whose keys do not fit stops the run.
WEIGHT_INITIALIZERS = Registry(
    'weight initializer',
    parent=MMENGINE_WEIGHT_INITIALIZERS,
    locations=['mmreidgen.models.utils'])
