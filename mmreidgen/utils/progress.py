"""A progress bar that stays readable in log files."""
import sys
import time
from typing import Optional, TextIO


class ProgressBar:
    """Count finished items; redraw in a terminal, sparse lines otherwise.

    In a terminal the bar is redrawn in place (mmengine's ``ProgressBar``).
    When the output is a file or a pipe, one line is written per tenth of
    the work (and at the end), instead of thousands of carriage returns.

    Args:
        total (int): Items in all.
        file (TextIO, optional): Defaults to ``sys.stdout``.
        steps (int): Lines written when not a terminal. Defaults to 10.
    """

    def __init__(self, total: int, file: Optional[TextIO] = None,
                 steps: int = 10) -> None:
        self.total = max(int(total), 0)
        self.file = file or sys.stdout
        self.done = 0
        self.start = time.time()
        self.tty = bool(getattr(self.file, 'isatty', lambda: False)())
        self.steps = max(steps, 1)
        self._next = 1
        self._bar = None
        if self.tty:
            from mmengine.utils import ProgressBar as MMProgressBar
            self._bar = MMProgressBar(self.total, file=self.file)

    def update(self, num: int = 1) -> None:
        """Mark ``num`` more items done."""
        self.done += num
        if self._bar is not None:
            for _ in range(num):
                self._bar.update()
            if self.done >= self.total:
                self.file.write('\n')
            return
        if not self.total:
            return
        # One line however many tenths this update crossed.
        crossed = False
        while self._next <= self.steps and \
                self.done * self.steps >= self._next * self.total:
            crossed = True
            self._next += 1
        if crossed:
            secs = time.time() - self.start
            self.file.write(f'[{self.done}/{self.total}] '
                            f'{100 * self.done / self.total:.0f}% '
                            f'{secs:.1f} s\n')
            self.file.flush()
