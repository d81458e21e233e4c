"""Image files on disk: the extensions read as images, and the folder walk
that finds them."""
import os
import os.path as osp
from typing import Callable, List, Optional

#: File endings (lower case) read as images by every dataset, the feature
#: extractor and the mask preparation.
IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp')


def is_image_file(name: str) -> bool:
    """Whether ``name`` ends with one of :data:`IMG_EXTENSIONS` (any case)."""
    return name.lower().endswith(IMG_EXTENSIONS)


def list_images(folder: str,
                skip_top_folder: Optional[Callable[[str], bool]] = None,
                allow_empty: bool = False) -> List[str]:
    """Image files under ``folder``, recursively, sorted.

    Args:
        folder (str): The folder to walk.
        skip_top_folder (Callable[[str], bool], optional): Leaves out the
            sub-folders directly below ``folder`` whose name it accepts
            (e.g. the mask folders of a dataset). Defaults to None.
        allow_empty (bool): Return an empty list for a folder without
            images instead of raising. Defaults to False.

    Returns:
        list[str]: ``folder`` joined with each image's path below it.

    Raises:
        FileNotFoundError: The folder is missing, or holds no image and
            ``allow_empty`` is False.
    """
    if not osp.isdir(folder):
        raise FileNotFoundError(f'{folder} is not a folder.')
    top = osp.normpath(folder)
    paths = []
    for cur, dirs, names in os.walk(folder):
        if skip_top_folder is not None and osp.normpath(cur) == top:
            dirs[:] = [d for d in dirs if not skip_top_folder(d)]
        paths.extend(osp.join(cur, n) for n in names if is_image_file(n))
    if not paths and not allow_empty:
        raise FileNotFoundError(
            f'{folder} holds no image ({", ".join(IMG_EXTENSIONS)}).')
    return sorted(paths)
