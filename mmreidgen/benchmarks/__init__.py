"""Speed and memory benchmarks behind ``tools/analysis_tools/benchmark_*``.

One module per benchmark; each has a ``report`` generator that yields the
lines its tool prints (the tools are argument parsing plus that call):

- :mod:`~mmreidgen.benchmarks.eval_speed`: CMC / mAP / mINP at Market-1501,
  MSMT17 and CUHK03 size (``benchmark_eval.py``);
- :mod:`~mmreidgen.benchmarks.rerank_speed`: k-reciprocal re-ranking
  (``benchmark_rerank.py``);
- :mod:`~mmreidgen.benchmarks.train_speed`: ``train_step`` against a plain
  PyTorch loop (``benchmark_train.py``, and the GPU check);
- :mod:`~mmreidgen.benchmarks.extract_speed`: the test path against
  forward-only feature extraction (``benchmark_extract.py``);
- :mod:`~mmreidgen.benchmarks.data_speed`: the data loading share of a
  training, mmengine's ``Runner`` against ``ReIDRunner``
  (``benchmark_data.py``);
- :mod:`~mmreidgen.benchmarks.common`: sizes, synthetic features, peak
  memory and the fresh-process workers they share.

Nothing is imported here, so that ``python -m mmreidgen.benchmarks`` (a
worker, see :func:`~mmreidgen.benchmarks.common.run_worker`) loads only
what it runs.
"""
