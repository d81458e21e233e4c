"""The config dialect: how a config file becomes what a runner receives.

mmengine reads a config and its ``_base_`` chain; this package adds three
conventions that keep configs data rather than programs, and
:func:`load_config`, which resolves them (``apis.load_config`` is this
function). It depends on mmengine only, so loading a config imports no
model, dataset or stage.

- :mod:`.references`: ``'${name}'`` references to top-level values and
  ``'{work_dir}'``;
- :mod:`.schedules`: schedules in epochs and in fractions of the run (the
  explicit list :data:`FRACTIONS`);
- :mod:`.pipeline`: what each stage of a pipeline config runs with, and
  :func:`check_resolved`, which every runner calls so that an unresolved
  ``'${...}'`` or fraction never reaches a component;
- :mod:`.overrides`: ``--cfg-options`` that would not take effect are
  refused with the key that would;
- :mod:`.loader`: :func:`find_config` (a checkout's or the installed
  package's ``configs/``) and :func:`load_config`.
"""
from . import errors, loader, overrides, pipeline, plain, references, schedules
from .errors import *  # noqa: F401,F403
from .loader import *  # noqa: F401,F403
from .overrides import *  # noqa: F401,F403
from .pipeline import *  # noqa: F401,F403
from .plain import *  # noqa: F401,F403
from .references import *  # noqa: F401,F403
from .schedules import *  # noqa: F401,F403

# Every public name of the modules above.
__all__ = [
    name for module in (errors, loader, overrides, pipeline, plain,
                        references, schedules) for name in module.__all__
]
