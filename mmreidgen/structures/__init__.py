from .reid_data_sample import ReIDDataSample, set_pred_features

__all__ = ['ReIDDataSample', 'set_pred_features']
