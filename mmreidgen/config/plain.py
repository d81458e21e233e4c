"""Plain-dict views of a config: conversion, dotted keys, look-ups."""
from typing import Any, Iterable, Sequence

from mmengine.config import ConfigDict


def to_plain(node: Any) -> Any:
    """``node`` with every ``ConfigDict`` turned into a plain ``dict``."""
    if isinstance(node, (ConfigDict, dict)):
        return {k: to_plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [to_plain(v) for v in node]
    if isinstance(node, tuple):
        return tuple(to_plain(v) for v in node)
    return node


def known_keys(node: Any, prefix: str = '') -> Iterable[str]:
    """Every dotted key of ``node`` (``'a'``, ``'a.b'``, ``'a.b.0'``...)."""
    if isinstance(node, dict):
        for key, value in node.items():
            path = f'{prefix}.{key}' if prefix else str(key)
            yield path
            yield from known_keys(value, path)
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield f'{prefix}.{i}'
            yield from known_keys(value, f'{prefix}.{i}')


def lookup_plain(node: Any, parts: Sequence[str]) -> Any:
    """The value at the dotted key ``parts`` of ``node``, or None."""
    for part in parts:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, (list, tuple)) and part.isdigit():
            node = node[int(part)] if int(part) < len(node) else None
        else:
            return None
    return node


__all__ = ['to_plain', 'known_keys', 'lookup_plain']
