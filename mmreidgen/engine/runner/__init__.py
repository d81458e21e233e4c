from .multi_test_loop import (
    MultiTestLoop,
    enable_extra_test_sets,
    format_table,
    target_rows,
)
from .reid_runner import ReIDRunner

__all__ = [
    'ReIDRunner', 'MultiTestLoop', 'enable_extra_test_sets', 'target_rows',
    'format_table'
]
