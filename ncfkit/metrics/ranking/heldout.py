"""The relevant held-out rows of an evaluated part, and scoring users in batches."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ncfkit.components import EvalContext

logger = logging.getLogger(__name__)

# Users scored per call of EvalContext.score. On ml-25m (about 59,000 rated items)
# the float32 (batch, n_items) score matrix takes about 240 MB, plus boolean masks
# of the same shape.
USERS_PER_BATCH = 1024


@dataclass(frozen=True)
class HeldOut:
    """Relevant held-out (user, item) pairs, sorted by user then item."""

    users: np.ndarray  # (r,) user indices
    items: np.ndarray  # (r,) item indices
    # Sorted unique users of the part, including those without a relevant item.
    part_users: np.ndarray


def relevant_held_out(ctx: EvalContext, *, threshold: float) -> HeldOut:
    """Select the part's rows rated at least `threshold` stars.

    A row whose pair is also in `ctx.exclude` is dropped and counted in the log,
    because an item the ranking must leave out cannot be found by it.
    """
    users = np.asarray(ctx.users, dtype=np.int64)
    items = np.asarray(ctx.items, dtype=np.int64)
    relevant = np.asarray(ctx.actual, dtype=np.float64) >= threshold
    users, items = users[relevant], items[relevant]

    if users.size:
        excluded = np.asarray(ctx.exclude[users, items]).ravel() != 0
        if excluded.any():
            logger.warning(
                "%s: dropped %d relevant rows that are also in the excluded "
                "interactions",
                ctx.part,
                int(excluded.sum()),
            )
            users, items = users[~excluded], items[~excluded]

    order = np.lexsort((items, users))
    part_users = np.unique(np.asarray(ctx.users, dtype=np.int64))
    return HeldOut(users=users[order], items=items[order], part_users=part_users)


def user_batches(users: np.ndarray, *, size: int) -> Iterator[np.ndarray]:
    """Yield consecutive slices of `users` of at most `size` entries."""
    for start in range(0, len(users), size):
        yield users[start : start + size]


def rows_of(sorted_users: np.ndarray, batch: np.ndarray) -> slice:
    """Return the slice of `sorted_users` whose values lie in the sorted `batch`."""
    start = np.searchsorted(sorted_users, batch[0], side="left")
    stop = np.searchsorted(sorted_users, batch[-1], side="right")
    return slice(int(start), int(stop))


def score_batch(ctx: EvalContext, batch: np.ndarray) -> np.ndarray:
    """Score `batch` users on every item, (len(batch), n_items), as a private copy.

    Raises ValueError when the scorer returns the wrong shape or a NaN, since a NaN
    would make the ranking depend on where it happens to sort.
    """
    raw = np.asarray(ctx.score(batch))
    expected = (len(batch), ctx.n_items)
    if raw.shape != expected:
        raise ValueError(
            f"{ctx.part}: the scorer returned shape {raw.shape} for {len(batch)} "
            f"users, expected {expected}"
        )
    scores = np.array(raw, dtype=np.result_type(raw.dtype, np.float32))
    if np.isnan(scores).any():
        raise ValueError(f"{ctx.part}: the scorer returned NaN predictions")
    return scores


def excluded_cells(
    ctx: EvalContext, batch: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return (batch row, item) index arrays of the batch users' excluded items."""
    rows = ctx.exclude[batch]
    rows.eliminate_zeros()
    batch_rows = np.repeat(np.arange(len(batch)), np.diff(rows.indptr))
    return batch_rows, rows.indices.astype(np.int64)
