from .dgnet_appearance_encoder import DGNetAppearanceEncoder

__all__ = ['DGNetAppearanceEncoder']
