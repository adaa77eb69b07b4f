"""Builders of small EvalContexts for the metric tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest
import scipy.sparse

from ncfkit.components import EvalContext

ContextFactory = Callable[..., EvalContext]


def build_context(
    *,
    scores: Sequence[Sequence[float]],
    exclude: dict[int, Sequence[int]],
    rows: Sequence[tuple[int, int, float]],
    part: str = "test",
    seed: int = 0,
    predicted: Sequence[float] | None = None,
) -> EvalContext:
    """Build an EvalContext whose scorer reads a fixed (n_users, n_items) matrix.

    `exclude` maps a user to the items a ranking must leave out; `rows` lists the
    evaluated (user, item, rating in stars) triples.
    """
    matrix = np.asarray(scores, dtype=np.float64)
    n_users, n_items = matrix.shape
    pairs = [(user, item) for user, items in exclude.items() for item in items]
    excluded_users = [user for user, _ in pairs]
    excluded_items = [item for _, item in pairs]
    exclude_matrix = scipy.sparse.csr_matrix(
        (np.ones(len(pairs)), (excluded_users, excluded_items)),
        shape=(n_users, n_items),
    )
    users = np.array([user for user, _, _ in rows], dtype=np.int64)
    items = np.array([item for _, item, _ in rows], dtype=np.int64)
    actual = np.array([rating for _, _, rating in rows], dtype=np.float64)
    if predicted is None:
        predicted_stars = matrix[users, items] if len(rows) else np.zeros(0)
    else:
        predicted_stars = np.asarray(predicted, dtype=np.float64)
    return EvalContext(
        part=part,
        users=users,
        items=items,
        actual=actual,
        predicted=predicted_stars,
        rating_max=5.0,
        n_users=n_users,
        n_items=n_items,
        exclude=exclude_matrix,
        score=lambda batch: matrix[batch],
        seed=seed,
    )


@pytest.fixture
def make_context() -> ContextFactory:
    return build_context
