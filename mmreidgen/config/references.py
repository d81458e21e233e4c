"""``'${name}'`` references to top-level values, and ``'{work_dir}'``.

A string that is exactly ``'${name}'`` (or ``'${a.b}'``, a dotted path
into the top level) is replaced by a copy of that top-level value; a
string that contains ``${name}`` among other text gets the value's text
(``'${synth_root}/synthmarket'``). References are resolved after every
``_base_`` file is merged and every override applied, so a child config or
a ``--cfg-options img_scale="(64,32)"`` changes every place that refers to
``img_scale``, lists included.
"""
import copy
import difflib
import re
from typing import Any, Iterator, Optional, Tuple

from .errors import ConfigError

#: A reference in a string: ``${name}`` or ``${a.b.0}``.
REFERENCE = re.compile(r'\$\{([A-Za-z_][\w.]*)\}')


def lookup_reference(top: dict, path: str) -> Any:
    """The value the reference ``'${path}'`` names in ``top``."""
    node = top
    for part in path.split('.'):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, (list, tuple)) and part.isdigit() and \
                int(part) < len(node):
            node = node[int(part)]
        else:
            close = difflib.get_close_matches(path, list(top), n=1)
            hint = f" Did you mean '${{{close[0]}}}'?" if close else ''
            raise ConfigError(
                f"'${{{path}}}' refers to '{path}', which the config does "
                f'not define.{hint}')
    return node


def resolve_references(node: Any, top: dict,
                       _active: Optional[tuple] = None) -> Any:
    """Replace every ``'${name}'`` in ``node`` by the top-level value.

    Args:
        node: Any config value.
        top (dict): The top-level config the names refer to.

    Returns:
        A copy of ``node`` without references.
    """
    active = _active or ()
    if isinstance(node, str):
        match = REFERENCE.fullmatch(node)
        if match:
            name = match.group(1)
            if name in active:
                chain = ' -> '.join(active + (name, ))
                raise ConfigError(f'circular config reference: {chain}')
            return resolve_references(
                copy.deepcopy(lookup_reference(top, name)), top,
                active + (name, ))
        if '${' not in node:
            return node

        def text(m: 're.Match') -> str:
            value = resolve_references(f'${{{m.group(1)}}}', top, active)
            return str(value)

        return REFERENCE.sub(text, node)
    if isinstance(node, dict):
        return {k: resolve_references(v, top, active) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve_references(v, top, active) for v in node]
    if isinstance(node, tuple):
        return tuple(resolve_references(v, top, active) for v in node)
    return node


def substitute_work_dir(node: Any, work_dir: str) -> Any:
    """Replace ``{work_dir}`` in every string of ``node``."""
    if isinstance(node, str):
        return node.replace('{work_dir}', work_dir)
    if isinstance(node, dict):
        return {k: substitute_work_dir(v, work_dir) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return type(node)(substitute_work_dir(v, work_dir) for v in node)
    return node


def unresolved_references(node: Any,
                          prefix: str = '') -> Iterator[Tuple[str, str]]:
    """``(dotted key, string)`` of every string in ``node`` that still
    holds ``'${'``."""
    if isinstance(node, str):
        if '${' in node:
            yield prefix, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from unresolved_references(
                value, f'{prefix}.{key}' if prefix else str(key))
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from unresolved_references(value, f'{prefix}.{i}')


__all__ = [
    'REFERENCE', 'lookup_reference', 'resolve_references',
    'substitute_work_dir', 'unresolved_references'
]
