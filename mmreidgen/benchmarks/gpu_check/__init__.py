"""The prepared GPU check: one run that measures what researchers will run.

``bash tools/gpu/check.sh [--dry-run] [OUT_DIR]`` calls
``python -m mmreidgen.benchmarks.gpu_check --out OUT_DIR [--dry-run]``,
which writes ``gpu_check.json`` and ``gpu_check.md`` (and
``cuda_tests.log``) into ``OUT_DIR``. Its modules: :mod:`.settings` (the
configs, settings and goals), :mod:`.measure` (step timings and real runs
of one config), :mod:`.sections`, :mod:`.cuda_tests` (the CUDA-test
runner), :mod:`.report` (the Markdown writer) and :mod:`.command` (the
command line). Sections:

1. ``cuda_tests``: the CUDA tests (``pytest -k cuda`` on the test files
   that mention CUDA; they skip without a GPU).
2. ``render``: a synthetic set at Market-1501 size (751 training
   identities per domain, boxes resized to 256x128 by the configs) with
   :func:`mmreidgen.datasets.synthetic.make_synthetic_reid`, rendered on
   the CPUs while the CUDA tests run.
3. ``train``: every full-size config (the r50 baseline, CR-GAN stages
   I-III, DG-Net in both modes, an SLSR cluster DCGAN):

   - ``run``: mmengine's loop through ``ReIDRunner`` on the rendered set
     with the config's batch size and dataloader workers, float32, for up
     to ``--iters`` iterations or its share of the time budget: images per
     second in the steady state, peak GPU memory, and the GPU busy
     fraction (section 5);
   - ``steps``: ``model.train_step`` against a plain PyTorch loop of the
     same computation (the loops of
     :mod:`mmreidgen.benchmarks.train_speed`, which
     ``tools/analysis_tools/benchmark_train.py`` runs for two models),
     interleaved, on one fixed batch of the config's size, in float32,
     float16 AMP and bfloat16 autocast, each with and without
     channels-last: seconds per iteration, images per second, peak GPU
     memory and the ratio ``train_step / plain`` (goal <= 1.05).

4. ``eval``: ``evaluate_rank``, exact ``re_ranking`` and ``re_ranking_knn``
   at Market-1501 and MSMT17 sizes on the device against the CPU, with
   times (synthetic features clustered per identity, as in
   :mod:`mmreidgen.benchmarks.eval_speed`).
5. ``busy``: the GPU busy fraction of each ``run`` in the steady state:
   the share of wall time inside ``train_step`` (CUDA synchronised at the
   end of each iteration) rather than waiting for the dataloader, and the
   mean of ``torch.cuda.utilization()`` sampled every 50 ms where NVML is
   available.

Every section keeps its errors: one failing item is recorded with its
message and the check goes on. A time budget (``--budget``, 440 s by
default) splits the training section between the configs; what does not
fit is recorded as skipped with the reason, never estimated.

``--dry-run`` runs the same code on the CPU at tiny sizes: a tiny render,
the configs' small synthetic-benchmark variants (``*_r18w16_synth*``,
which inherit the full configs and change only sizes), 2 iterations,
batch 4, no dataloader workers, one timed iteration per path and no
warm-up, small evaluation matrices, float32 and bfloat16 channels-last only
(float16 AMP needs CUDA, noted in the output).
"""
from .command import main, parse_args
from .cuda_tests import cuda_test_files, finish_cuda_tests, start_cuda_tests
from .measure import StepTimer, measure_steps, peak_memory, run_config
from .report import clean_json, fmt, gib, to_markdown
from .sections import (
    busy_section,
    environment,
    error_record,
    eval_section,
    render,
    timed,
    train_section,
)
from .settings import (
    DRY_EVAL_SIZES,
    DRY_SETTINGS,
    EVAL_SIZES,
    GNN_RERANK_MS,
    GOAL_BUSY,
    GOAL_MARKET_RERANK_S,
    GOAL_RATIO,
    PRECISIONS,
    SCALED_OPTIONS,
    SETTINGS,
    TRAIN_LIST,
    TRAIN_SPECS,
    input_size,
    load_train_config,
    point_to_synthetic,
)
