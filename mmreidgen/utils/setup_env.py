"""Import every module that registers components and set the scope."""
import datetime
import warnings

from mmengine import DefaultScope
from mmengine.registry import Registry

import mmreidgen.registry as registries


def registry_nodes() -> list:
    """Every registry node of :mod:`mmreidgen.registry`."""
    return [
        getattr(registries, name) for name in registries.__all__
        if isinstance(getattr(registries, name), Registry)
    ]


def register_all_modules(init_default_scope: bool = True) -> None:
    """Register all mmreidgen components into the registries.

    Args:
        init_default_scope (bool): Make ``'mmreidgen'`` the current default
            scope, so that mmengine's root registries look names up in
            mmreidgen's. Defaults to True.
    """
    # The packages that register are the registries' locations
    # (mmreidgen/registry.py): looked up there rather than imported here,
    # so that this bottom-layer module imports no higher layer.
    for node in registry_nodes():
        node.import_from_location()

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None or not DefaultScope.check_instance_created(
            'mmreidgen'):
        DefaultScope.get_instance('mmreidgen', scope_name='mmreidgen')
    elif current.scope_name != 'mmreidgen':
        warnings.warn(f'The current default scope "{current.scope_name}" '
                      'is not "mmreidgen"; a new one is created.')
        stamp = datetime.datetime.now().strftime('%Y%m%d-%H%M%S%f')
        DefaultScope.get_instance(
            f'mmreidgen-{stamp}', scope_name='mmreidgen')
