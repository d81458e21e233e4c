from .crgan_generator import CRGANCutPaste, CRGANGenerator
from .dcgan_generator import SLSRDCGANGenerator
from .dgnet_decoder import DGNetDecoder
from .dgnet_structure_encoder import DGNetStructureEncoder

__all__ = [
    'CRGANGenerator', 'CRGANCutPaste', 'SLSRDCGANGenerator',
    'DGNetStructureEncoder', 'DGNetDecoder'
]
