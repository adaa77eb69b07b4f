"""Ranked candidate lists, the common input of every ranking metric."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RankedLists:
    """One row per ranking: one per user under full ranking, one per held-out
    relevant item under the sampled protocol.

    A row with `n_relevant == 0` is a user without a relevant held-out item. It
    takes part in catalog coverage only, and every other metric skips it.
    """

    protocol: str  # "full" or "sampled"
    k: int
    users: np.ndarray  # (n,) user index of each ranking, ascending
    top_k: np.ndarray  # (n, k) item indices, best first, -1 past a short list
    hits: np.ndarray  # (n, k) bool: the item at that position is relevant
    n_relevant: np.ndarray  # (n,) relevant items among the ranking's candidates
    # (n,) 1-based rank of the best-ranked relevant item in the whole candidate list,
    # not cut at k, or 0 where n_relevant is 0.
    first_rank: np.ndarray
    n_items: int  # size of the catalog, for coverage


def mean_over_users(lists: RankedLists, values: np.ndarray, *, metric: str) -> float:
    """Average per-ranking `values` per user, then over users, skipping rankings
    without a relevant item.

    Each user weighs the same whatever the number of rankings they have. Returns NaN
    and logs a warning when no user has a relevant item.
    """
    evaluated = lists.n_relevant > 0
    if not evaluated.any():
        logger.warning(
            "%s: no user has a relevant held-out item, result is NaN", metric
        )
        return float("nan")
    _, group = np.unique(lists.users[evaluated], return_inverse=True)
    sums = np.bincount(group, weights=values[evaluated])
    counts = np.bincount(group)
    return float(np.mean(sums / counts))
