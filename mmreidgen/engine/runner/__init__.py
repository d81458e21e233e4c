from .pipeline_runner import PipelineRunner
from .slsr_steps import (
                         SLSRClusterStep,
                         SLSRFinetuneStep,
                         SLSRGenerateStep,
                         SLSRTrainGANStep,
)

__all__ = [
    'PipelineRunner', 'SLSRClusterStep', 'SLSRTrainGANStep',
    'SLSRGenerateStep', 'SLSRFinetuneStep'
]
