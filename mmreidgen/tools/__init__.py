"""The command lines of training and testing, as package entry points.

``python -m mmreidgen.tools.train CONFIG`` and ``python -m
mmreidgen.tools.test CONFIG CHECKPOINT`` are what ``tools/train.py`` and
``tools/test.py`` run; they work from an installed wheel too. This is the
top layer of the package (docs/en/advanced_guides/architecture.md).
"""
