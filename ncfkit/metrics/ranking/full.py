"""Full ranking: every item a user has not interacted with is a candidate.

For each user of the evaluated part, the candidates are all items except the user's
row of `EvalContext.exclude` (the training interactions, plus validation when the
part is test). Relevant items are the user's held-out rows rated at least
`threshold` stars. Held-out rows below the threshold stay candidates and count as
not relevant. Users without a relevant item are ranked, for catalog coverage, but
every other metric skips them, and the log counts them.

Equal scores are ordered by item index, lowest first, in the top-K lists and in the
reciprocal rank alike, so results never depend on how a sort handles ties. Scores
clipped to the rating range tie often, at 5 stars in particular.
"""

from __future__ import annotations

import logging

import numpy as np

from ncfkit.components import EvalContext
from ncfkit.metrics.ranking.heldout import (
    USERS_PER_BATCH,
    excluded_cells,
    relevant_held_out,
    rows_of,
    score_batch,
    user_batches,
)
from ncfkit.metrics.ranking.lists import RankedLists

logger = logging.getLogger(__name__)


def rank_full(
    ctx: EvalContext,
    *,
    k: int,
    threshold: float,
    users_per_batch: int = USERS_PER_BATCH,
) -> RankedLists:
    """Rank all non-excluded items for every user of the part, one row each."""
    held_out = relevant_held_out(ctx, threshold=threshold)
    users = held_out.part_users
    top_k = np.full((len(users), k), -1, dtype=np.int64)
    hits = np.zeros((len(users), k), dtype=bool)
    n_relevant = np.zeros(len(users), dtype=np.int64)
    first_rank = np.zeros(len(users), dtype=np.int64)

    done = 0
    for batch in user_batches(users, size=users_per_batch):
        scores = score_batch(ctx, batch)
        scores[excluded_cells(ctx, batch)] = -np.inf

        # (batch, n_items) relevance of the held-out rows
        rows = rows_of(held_out.users, batch)
        batch_rows = np.searchsorted(batch, held_out.users[rows])
        relevant = np.zeros(scores.shape, dtype=bool)
        relevant[batch_rows, held_out.items[rows]] = True

        part = slice(done, done + len(batch))
        top_k[part] = top_k_items(scores, k)
        hits[part] = _lookup(relevant, top_k[part])
        n_relevant[part] = relevant.sum(axis=1)
        first_rank[part] = _first_relevant_rank(scores, relevant)
        done += len(batch)

    skipped = int(np.count_nonzero(n_relevant == 0))
    logger.info(
        "%s: ranked %d users over %d items, and %d users without an item rated "
        ">= %s stars are skipped by all metrics but coverage",
        ctx.part,
        len(users),
        ctx.n_items,
        skipped,
        threshold,
    )
    return RankedLists(
        protocol="full",
        k=k,
        users=users,
        top_k=top_k,
        hits=hits,
        n_relevant=n_relevant,
        first_rank=first_rank,
        n_items=ctx.n_items,
    )


def top_k_items(scores: np.ndarray, k: int) -> np.ndarray:
    """Return each row's k best items, (rows, k), best first, ties by lowest index.

    Items scored -inf (excluded) never appear: their positions hold -1, as do the
    positions past the end of a row with fewer than k items.
    """
    n_rows, n_items = scores.shape
    width = min(k, n_items)
    result = np.full((n_rows, k), -1, dtype=np.int64)
    if n_rows == 0 or width == 0:
        return result

    # Select exactly `width` items per row: all above the width-th best score, then
    # as many of the items tied at it as are needed, lowest index first.
    kth = -np.partition(-scores, width - 1, axis=1)[:, width - 1]  # (rows,)
    above = scores > kth[:, None]
    tied = scores == kth[:, None]
    needed = width - above.sum(axis=1)
    surplus = np.flatnonzero(tied.sum(axis=1) > needed)
    if surplus.size:
        order_in_tie = np.cumsum(tied[surplus], axis=1)
        tied[surplus] &= order_in_tie <= needed[surplus, None]
    _, items = np.nonzero(above | tied)
    items = items.reshape(n_rows, width)  # ascending item index within each row

    # Order the selection by score, descending. Ties keep the ascending index order.
    selected_scores = np.take_along_axis(scores, items, axis=1)
    items = np.take_along_axis(items, np.lexsort((items, -selected_scores)), axis=1)
    excluded = np.take_along_axis(scores, items, axis=1) == -np.inf
    result[:, :width] = np.where(excluded, -1, items)
    return result


def _lookup(relevant: np.ndarray, top_k: np.ndarray) -> np.ndarray:
    rows = np.arange(len(top_k))[:, None]
    return np.where(top_k >= 0, relevant[rows, np.maximum(top_k, 0)], False)


def _first_relevant_rank(scores: np.ndarray, relevant: np.ndarray) -> np.ndarray:
    """Return the 1-based rank of each row's best relevant item, 0 without one.

    The rank counts candidates that sort before it: higher scores, and equal scores
    at a lower item index. Excluded items are -inf and never count.
    """
    best = np.where(relevant, scores, -np.inf).max(axis=1)  # (rows,)
    first = np.argmax(relevant & (scores == best[:, None]), axis=1)  # lowest index
    before = (scores > best[:, None]) | (
        (scores == best[:, None]) & (np.arange(scores.shape[1]) < first[:, None])
    )
    ranks = 1 + before.sum(axis=1)
    return np.where(relevant.any(axis=1), ranks, 0)
