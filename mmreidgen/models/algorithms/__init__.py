from .base_gan import BaseGAN, set_requires_grad
from .crgan import CRGAN
from .dgnet import DGNet
from .slsr_dcgan import SLSRDCGAN

__all__ = ['CRGAN', 'BaseGAN', 'set_requires_grad', 'SLSRDCGAN', 'DGNet']
