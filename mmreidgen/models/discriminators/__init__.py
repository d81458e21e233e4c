from .crgan_discriminators import (
    CRGANCameraDiscriminator,
    CRGANDomainDiscriminator,
)
from .dcgan_discriminator import SLSRDCGANDiscriminator
from .dgnet_discriminator import DGNetDiscriminator

__all__ = [
    'CRGANDomainDiscriminator', 'CRGANCameraDiscriminator',
    'SLSRDCGANDiscriminator', 'DGNetDiscriminator'
]
