"""The one error of the config dialect."""


class ConfigError(ValueError):
    """A config or an override that cannot work; the message says why."""


__all__ = ['ConfigError']
