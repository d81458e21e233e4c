"""Who in this gallery is the person in this image?"""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch

from mmreidgen.evaluation.functional import pairwise_distance

from .feature_extraction import ReIDFeatureExtractor


class ReIDInferencer:
    """Rank a gallery (a folder, paths or a dataloader) for query images.

    Args:
        model (nn.Module): A re-id model from :func:`init_model`.
        pipeline (list[dict], optional): The test pipeline. Defaults to
            None: the test pipeline of the config the model was built from
            (``model.cfg``, set by :func:`init_model`).
        metric (str): ``'euclidean'`` or ``'cosine'``. Defaults to
            'euclidean'.
        batch_size (int): Defaults to 64.
    """

    def __init__(self, model, pipeline: Optional[list] = None,
                 metric: str = 'euclidean', batch_size: int = 64) -> None:
        self.extractor = ReIDFeatureExtractor(
            model, pipeline=pipeline, batch_size=batch_size)
        self.metric = metric
        self._gallery: Optional[Dict[str, np.ndarray]] = None

    def set_gallery(self, gallery: Union[str, Sequence[str], object]
                    ) -> Dict[str, np.ndarray]:
        """Extract and keep the gallery's features."""
        self._gallery = self.extractor(gallery)
        return self._gallery

    def __call__(self, queries: Union[str, Sequence[str]],
                 gallery: Union[str, Sequence[str], object, None] = None,
                 topk: int = 10) -> List[dict]:
        """Ranked gallery entries per query.

        Args:
            queries: Query image path(s) or a folder.
            gallery: The gallery (folder, paths or dataloader); defaults to
                the one given to :meth:`set_gallery`.
            topk (int): Entries per query. Defaults to 10.

        Returns:
            list[dict]: Per query ``query`` (path) and ``ranked``: a list of
            ``dict(path, dist, pid, camid)``, nearest first (ties keep
            gallery order).
        """
        if gallery is not None:
            self.set_gallery(gallery)
        if self._gallery is None:
            raise ValueError('No gallery: pass gallery= or call '
                             'set_gallery() first.')
        q = self.extractor(queries)
        g = self._gallery
        dist = pairwise_distance(
            torch.from_numpy(q['features']),
            torch.from_numpy(g['features']), metric=self.metric).numpy()
        results = []
        for row, path in zip(dist, q['img_paths']):
            order = np.argsort(row, kind='stable')[:topk]
            results.append(
                dict(query=str(path), ranked=[
                    dict(path=str(g['img_paths'][j]), dist=float(row[j]),
                         pid=int(g['pids'][j]), camid=int(g['camids'][j]))
                    for j in order
                ]))
        return results
