"""Import every module that registers components and set the scope."""
import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Register all mmreidgen components into the registries.

    Args:
        init_default_scope (bool): Make ``'mmreidgen'`` the current default
            scope, so that mmengine's root registries look names up in
            mmreidgen's. Defaults to True.
    """
    import mmreidgen.datasets  # noqa: F401
    import mmreidgen.engine  # noqa: F401
    import mmreidgen.evaluation  # noqa: F401
    import mmreidgen.models  # noqa: F401
    import mmreidgen.stages  # noqa: F401
    import mmreidgen.visualization  # noqa: F401

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
