"""The sampled protocol of He et al., "Neural Collaborative Filtering" (WWW 2017).

Each relevant held-out row (a rating of at least `threshold` stars) is ranked on its
own against `negatives` items that the user never rated, so a user with several
relevant held-out items gets one ranking per item. Metrics average a user's rankings
first and then average over users, so each user weighs the same. The negatives of a
ranking are distinct, drawn uniformly from the items that are neither in the user's
row of `EvalContext.exclude` nor among the user's rows in the evaluated part. The
user's other held-out items are therefore never candidates.

NOTE: only what EvalContext shows counts as rated. When the part is validation, a
user's test items are unknown here and may be drawn as negatives.

Draws come from one generator seeded with `EvalContext.seed`, consumed batch after
batch, so the same part, seed and batch size give the same negatives. A ranking
whose user has fewer than `negatives` unrated items is skipped and counted in the
log. Equal scores are ordered by item index, lowest first, as in full ranking.
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


def rank_sampled(
    ctx: EvalContext,
    *,
    k: int,
    threshold: float,
    negatives: int,
    users_per_batch: int = USERS_PER_BATCH,
) -> RankedLists:
    """Rank each relevant held-out item against sampled negatives, one row each."""
    held_out = relevant_held_out(ctx, threshold=threshold)
    rng = np.random.default_rng(ctx.seed)
    # The part's rows sorted by user, so that each batch reads one slice.
    by_user = np.argsort(ctx.users, kind="stable")
    part_users = np.asarray(ctx.users, dtype=np.int64)[by_user]
    part_items = np.asarray(ctx.items, dtype=np.int64)[by_user]
    chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    too_few = 0

    for batch in user_batches(np.unique(held_out.users), size=users_per_batch):
        rated = _rated(ctx, batch, part_users, part_items)  # (batch, n_items)
        rows = rows_of(held_out.users, batch)
        batch_rows = np.searchsorted(batch, held_out.users[rows])
        positives = held_out.items[rows]

        enough = (ctx.n_items - rated.sum(axis=1))[batch_rows] >= negatives
        too_few += int(np.count_nonzero(~enough))
        batch_rows, positives = batch_rows[enough], positives[enough]
        if batch_rows.size == 0:
            continue

        drawn = sample_negatives(rated, batch_rows, count=negatives, rng=rng)
        candidates = np.concatenate([positives[:, None], drawn], axis=1)
        scores = score_batch(ctx, batch)[batch_rows[:, None], candidates]
        # Best first: lexsort's last key (the score) is the primary one, then the item.
        order = np.lexsort((candidates, -scores), axis=1)
        chunks.append(
            (batch[batch_rows], positives, np.take_along_axis(candidates, order, 1))
        )

    users, positives, ranked = _concatenate(chunks, width=negatives + 1)
    if too_few:
        logger.warning(
            "%s: skipped %d held-out items whose user has fewer than %d unrated items",
            ctx.part,
            too_few,
            negatives,
        )
    logger.info(
        "%s: sampled protocol ranked %d held-out items of %d users against %d "
        "negatives each, and skipped %d users without an item rated >= %s stars",
        ctx.part,
        len(users),
        len(np.unique(users)),
        negatives,
        len(held_out.part_users) - len(np.unique(held_out.users)),
        threshold,
    )
    return _ranked_lists(users, positives, ranked, k=k, n_items=ctx.n_items)


def sample_negatives(
    rated: np.ndarray,
    rows: np.ndarray,
    *,
    count: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draw `count` distinct unrated items for each entry of `rows`, (len(rows), count).

    `rated` is a (users, n_items) bool matrix and `rows` indexes its users. Each
    ranking draws uniform items with replacement, drops rated items and repeats,
    and keeps the first `count` that remain: a uniform sample without replacement
    from the unrated items. Rankings that come up short are drawn again with twice
    as many draws. Every user in `rows` must have at least `count` unrated items.
    """
    n_users, n_items = rated.shape
    unrated = n_items - rated.sum(axis=1)
    if rows.size and unrated[rows].min() < count:
        raise ValueError(f"a user has fewer than {count} unrated items to sample")
    result = np.empty((len(rows), count), dtype=np.int64)
    pending = np.arange(len(rows))
    # Enough draws that about 90% of the rankings succeed in the first round, while
    # a user who rated nearly everything does not set the width of every row.
    expected_draws = count * n_items / np.maximum(unrated[rows], 1)
    draws = int(np.percentile(1.5 * expected_draws, 90)) + 16 if rows.size else 0

    while pending.size:
        drawn = rng.integers(0, n_items, size=(pending.size, draws))
        usable = ~rated[rows[pending, None], drawn] & ~_repeats(drawn)
        usable_so_far = np.cumsum(usable, axis=1)
        complete = usable_so_far[:, -1] >= count
        keep = usable[complete] & (usable_so_far[complete] <= count)
        # Boolean indexing walks row by row, so each row keeps its draw order.
        result[pending[complete]] = drawn[complete][keep].reshape(-1, count)
        pending = pending[~complete]
        draws *= 2
    return result


def _repeats(drawn: np.ndarray) -> np.ndarray:
    """Mark every draw of an item after its first draw in the same row."""
    order = np.argsort(drawn, axis=1, kind="stable")
    ordered = np.take_along_axis(drawn, order, axis=1)
    repeat_in_order = np.zeros(drawn.shape, dtype=bool)
    repeat_in_order[:, 1:] = ordered[:, 1:] == ordered[:, :-1]
    repeats = np.empty_like(repeat_in_order)
    np.put_along_axis(repeats, order, repeat_in_order, axis=1)
    return repeats


def _rated(
    ctx: EvalContext, batch: np.ndarray, part_users: np.ndarray, part_items: np.ndarray
) -> np.ndarray:
    """Return (batch, n_items) bool: excluded items plus the part's rows.

    `part_users` must be sorted, and `part_items` in the same order.
    """
    rated = np.zeros((len(batch), ctx.n_items), dtype=bool)
    rated[excluded_cells(ctx, batch)] = True
    rows = rows_of(part_users, batch)
    in_batch = np.isin(part_users[rows], batch)
    batch_rows = np.searchsorted(batch, part_users[rows][in_batch])
    rated[batch_rows, part_items[rows][in_batch]] = True
    return rated


def _concatenate(
    chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray]], *, width: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not chunks:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros((0, width), dtype=np.int64)
    users, positives, ranked = zip(*chunks, strict=True)
    return np.concatenate(users), np.concatenate(positives), np.concatenate(ranked)


def _ranked_lists(
    users: np.ndarray,
    positives: np.ndarray,
    ranked: np.ndarray,
    *,
    k: int,
    n_items: int,
) -> RankedLists:
    """Build the lists from each ranking's candidates, sorted best first."""
    width = min(k, ranked.shape[1])
    top_k = np.full((len(users), k), -1, dtype=np.int64)
    top_k[:, :width] = ranked[:, :width]
    return RankedLists(
        protocol="sampled",
        k=k,
        users=users,
        top_k=top_k,
        hits=top_k == positives[:, None],
        n_relevant=np.ones(len(users), dtype=np.int64),
        first_rank=1 + np.argmax(ranked == positives[:, None], axis=1),
        n_items=n_items,
    )
