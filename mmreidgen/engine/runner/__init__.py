from .reid_runner import ReIDRunner

__all__ = ['ReIDRunner']
