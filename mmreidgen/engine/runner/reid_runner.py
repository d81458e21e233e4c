"""mmengine's Runner with the environment and config dump kept in the log.

Every mmengine run prints about 480 lines of environment and config before
the first iteration, so a clear error at the start of training stood below
them. :class:`ReIDRunner` writes both to the run's log file as before and
keeps them off the console, which then shows one line saying where they
are.
"""
import logging

from mmengine.runner import Runner

from mmreidgen.registry import RUNNERS


class _NoDump(logging.Filter):
    """Drop the environment and config dump from a console handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        return not (message.startswith('Config:\n')
                    or 'System environment:' in message[:80])


@RUNNERS.register_module()
class ReIDRunner(Runner):
    """A ``Runner`` whose console leaves out the environment/config dump.

    Everything else is mmengine's ``Runner``; the log file in
    ``<work_dir>/<timestamp>/`` still holds the dump.
    """

    def build_logger(self, log_level='INFO', log_file=None, **kwargs):
        logger = super().build_logger(log_level, log_file, **kwargs)
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler and not any(
                    isinstance(f, _NoDump) for f in handler.filters):
                handler.addFilter(_NoDump())
        logger.info(f'Environment and config: in {self._log_dir}/'
                    f'{self.timestamp}.log')
        return logger
