from .checkpoint_check import (
    CheckpointMismatchError,
    check_checkpoint_compatible,
)
from .config_check import (
    cap_num_workers,
    check_optimizer_types,
    drop_pretrained,
    enable_amp,
)
from .image_files import IMG_EXTENSIONS, is_image_file, list_images
from .masks import mask_iou
from .progress import ProgressBar
from .safe_load import register_safe_globals, safe_globals
from .setup_env import register_all_modules
from .work_dir_lock import (
    WorkDirLockedError,
    acquire_work_dir,
    release_work_dir,
    work_dir_lock,
)

__all__ = [
    'register_safe_globals', 'safe_globals', 'register_all_modules',
    'ProgressBar', 'cap_num_workers', 'check_optimizer_types',
    'drop_pretrained', 'enable_amp',
    'check_checkpoint_compatible', 'CheckpointMismatchError',
    'WorkDirLockedError', 'acquire_work_dir', 'release_work_dir',
    'work_dir_lock', 'IMG_EXTENSIONS', 'is_image_file', 'list_images',
    'mask_iou'
]
