from .baseline import ReIDBaseline

__all__ = ['ReIDBaseline']
