"""Full ranking: exclusion, tie order and agreement with a per-user reference."""

from __future__ import annotations

import numpy as np
import pytest

from ncfkit.metrics.ranking.full import rank_full, top_k_items
from ncfkit.params import build_params
from ncfkit.registry import load_registry


def random_context(make_context, *, seed: int, n_users: int = 9, n_items: int = 12):
    """Half-star scores (many ties), 30% of items excluded, a few held-out rows."""
    rng = np.random.default_rng(seed)
    scores = rng.integers(1, 11, size=(n_users, n_items)) / 2
    excluded = rng.random((n_users, n_items)) < 0.3
    held_out = ~excluded & (rng.random((n_users, n_items)) < 0.3)
    exclude = {u: list(np.flatnonzero(excluded[u])) for u in range(n_users)}
    users, items = np.nonzero(held_out)
    ratings = rng.integers(1, 11, size=len(users)) / 2
    rows = list(zip(users.tolist(), items.tolist(), ratings.tolist(), strict=True))
    return make_context(scores=scores, exclude=exclude, rows=rows)


def reference_ranking(context, user: int) -> list[int]:
    """All candidates of one user, sorted by score descending, then item index."""
    scores = context.score(np.array([user]))[0]
    excluded = set(context.exclude[user].indices.tolist())
    candidates = [i for i in range(context.n_items) if i not in excluded]
    return sorted(candidates, key=lambda item: (-scores[item], item))


def test_top_k_never_contains_excluded_items(make_context):
    # Item i scores i stars, so the excluded items 4 and 5 score highest.
    scores = np.tile(np.arange(6, dtype=float), (3, 1))
    exclude = {0: [5], 1: [5, 4], 2: [4, 5]}
    rows = [(0, 0, 5.0), (1, 0, 5.0), (2, 0, 5.0)]
    context = make_context(scores=scores, exclude=exclude, rows=rows)
    lists = rank_full(context, k=3, threshold=4.0)
    for user, items in exclude.items():
        assert not set(lists.top_k[user].tolist()) & set(items)
    assert lists.top_k[0].tolist() == [4, 3, 2]
    assert lists.top_k[1].tolist() == [3, 2, 1]


def test_excluded_relevant_item_is_not_a_hit(make_context):
    # Item 0 is both in training and in the held-out rows with 5 stars, and has the
    # highest score. Dropping it leaves item 1 (ranked 4th of 4) as the relevant one.
    scores = [[9.0, 1.0, 2.0, 3.0, 4.0]]
    context = make_context(
        scores=scores, exclude={0: [0]}, rows=[(0, 0, 5.0), (0, 1, 4.0)]
    )
    component = load_registry(entry_points=False).get("metric", "hr").component
    result = component.factory(build_params(component.params, {"k": 3}, where="hr"))
    assert result(context) == {"hr@3": 0.0}


def test_top_k_breaks_ties_by_lowest_index():
    scores = np.array([[1.0, 3.0, 3.0, 2.0, 3.0], [0.0, 0.0, 0.0, 0.0, 0.0]])
    top = top_k_items(scores, 2)
    assert top[0].tolist() == [1, 2]
    assert top[1].tolist() == [0, 1]


def test_top_k_pads_short_rows_with_minus_one():
    scores = np.array([[2.0, -np.inf, 1.0]])
    assert top_k_items(scores, 4).tolist() == [[0, 2, -1, -1]]


def test_full_ranking_rejects_nan_scores(make_context):
    context = make_context(
        scores=[[np.nan, 1.0, 2.0]], exclude={}, rows=[(0, 1, 5.0)]
    )
    with pytest.raises(ValueError, match="NaN"):
        rank_full(context, k=2, threshold=4.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_full_ranking_matches_per_user_sort(make_context, seed):
    context = random_context(make_context, seed=seed)
    k = 4
    # Batches of 2 users exercise the batch boundaries.
    lists = rank_full(context, k=k, threshold=3.5, users_per_batch=2)
    relevant_rows = context.actual >= 3.5

    for row, user in enumerate(lists.users):
        ranking = reference_ranking(context, user)
        relevant = set(context.items[relevant_rows & (context.users == user)].tolist())
        expected_top = ranking[:k] + [-1] * (k - len(ranking[:k]))
        assert lists.top_k[row].tolist() == expected_top
        assert lists.hits[row].tolist() == [item in relevant for item in expected_top]
        assert lists.n_relevant[row] == len(relevant)
        ranks = [position + 1 for position, i in enumerate(ranking) if i in relevant]
        assert lists.first_rank[row] == (ranks[0] if ranks else 0)


def test_full_ranking_is_independent_of_batch_size(make_context):
    context = random_context(make_context, seed=3)
    whole = rank_full(context, k=5, threshold=4.0)
    batched = rank_full(context, k=5, threshold=4.0, users_per_batch=1)
    assert np.array_equal(whole.top_k, batched.top_k)
    assert np.array_equal(whole.first_rank, batched.first_rank)
