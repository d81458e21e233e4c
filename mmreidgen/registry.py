"""Registries of mmreidgen, children of mmengine's root registries.

Every component is registered in one of these nodes with
``@MODELS.register_module()`` and built from a config by its class name.
``locations`` lets the registry import the package that defines a name the
first time it is built, so configs need no manual imports. Third-party
packages register into the same nodes and are loaded with
``custom_imports=dict(imports=['my_plugin'])`` in a config.
"""
import mmengine.registry as root
from mmengine.registry import Registry

__all__ = [
    'RUNNERS', 'STAGES', 'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS',
    'MODELS', 'METRICS',
    'EVALUATOR', 'HOOKS', 'LOOPS', 'OPTIMIZERS', 'OPTIM_WRAPPERS',
    'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS', 'VISUALIZERS',
    'WEIGHT_INITIALIZERS',
    'VISBACKENDS'
]


def _child(parent: Registry, location: str) -> Registry:
    """A node named like mmengine's ``parent`` that finds its names in
    ``mmreidgen.<location>``."""
    return Registry(
        parent.name, parent=parent, locations=[f'mmreidgen.{location}'])


RUNNERS = _child(root.RUNNERS, 'stages')
# The stages of a multi-stage pipeline (mmreidgen/stages): 'train', 'test'
# and each method's own steps. Not an mmengine node: mmengine has none.
STAGES = Registry('stage', locations=['mmreidgen.stages'])
DATASETS = _child(root.DATASETS, 'datasets')
DATA_SAMPLERS = _child(root.DATA_SAMPLERS, 'datasets.samplers')
TRANSFORMS = _child(root.TRANSFORMS, 'datasets.transforms')
# One node for backbones, generators, discriminators, losses, heads and
# whole algorithms, as in mmpretrain.
MODELS = _child(root.MODELS, 'models')
METRICS = _child(root.METRICS, 'evaluation')
EVALUATOR = _child(root.EVALUATOR, 'evaluation')
HOOKS = _child(root.HOOKS, 'engine.hooks')
LOOPS = _child(root.LOOPS, 'engine.runner')
OPTIMIZERS = _child(root.OPTIMIZERS, 'engine.optimizers')
OPTIM_WRAPPERS = _child(root.OPTIM_WRAPPERS, 'engine.optimizers')
OPTIM_WRAPPER_CONSTRUCTORS = _child(root.OPTIM_WRAPPER_CONSTRUCTORS,
                                    'engine.optimizers')
PARAM_SCHEDULERS = _child(root.PARAM_SCHEDULERS, 'engine.optimizers')
VISUALIZERS = _child(root.VISUALIZERS, 'visualization')
VISBACKENDS = _child(root.VISBACKENDS, 'visualization')
# Strict 'Pretrained' initialisation (mmreidgen/models/utils/pretrained.py):
# a backbone file whose keys do not fit stops the run.
WEIGHT_INITIALIZERS = _child(root.WEIGHT_INITIALIZERS, 'models.utils')
