"""Ranked gallery lists of queries (for pictures and dumps)."""
from typing import List, Tuple

import numpy as np


def rank_lists(distmat: np.ndarray, q_pids: np.ndarray,
               g_pids: np.ndarray, q_camids: np.ndarray,
               g_camids: np.ndarray, topk: int
               ) -> List[Tuple[np.ndarray, np.ndarray]]:
    """Top-k gallery indices and match flags of each query row.

    Gallery entries with the query's pid and camera are junk and left out,
    as in the metric; ties keep gallery order.

    Args:
        distmat (np.ndarray): ``Q x G`` distances.
        q_pids, g_pids, q_camids, g_camids (np.ndarray): Identities and
            cameras of queries and gallery.
        topk (int): Entries per query.

    Returns:
        list[tuple[np.ndarray, np.ndarray]]: Per query, the ranked gallery
        indices and whether each is a true match (same pid).
    """
    out = []
    for row, (pid, camid) in enumerate(zip(q_pids, q_camids)):
        order = np.argsort(distmat[row], kind='stable')
        junk = (g_pids[order] == pid) & (g_camids[order] == camid)
        order = order[~junk][:topk]
        out.append((order, g_pids[order] == pid))
    return out
