from .pipeline_runner import PipelineRunner

__all__ = ['PipelineRunner']
