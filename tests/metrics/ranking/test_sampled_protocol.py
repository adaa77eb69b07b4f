"""Sampled protocol: negatives are unrated, distinct and fixed by the seed."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ncfkit.metrics.ranking.sampled import rank_sampled, sample_negatives


def sparse_context(make_context, *, seed: int = 0):
    """20 users, 60 items, about 20% excluded and 10% held out per user."""
    rng = np.random.default_rng(123)
    n_users, n_items = 20, 60
    scores = rng.random((n_users, n_items)) * 5
    excluded = rng.random((n_users, n_items)) < 0.2
    held_out = ~excluded & (rng.random((n_users, n_items)) < 0.1)
    exclude = {u: list(np.flatnonzero(excluded[u])) for u in range(n_users)}
    users, items = np.nonzero(held_out)
    ratings = rng.integers(1, 11, size=len(users)) / 2
    rows = list(zip(users.tolist(), items.tolist(), ratings.tolist(), strict=True))
    return make_context(scores=scores, exclude=exclude, rows=rows, seed=seed)


def rated_items(context, user: int) -> set[int]:
    in_part = set(context.items[context.users == user].tolist())
    return in_part | set(context.exclude[user].indices.tolist())


def test_sampled_candidates_are_never_rated(make_context):
    context = sparse_context(make_context)
    negatives = 10
    # With k = negatives + 1 the top-k lists show every candidate of each ranking.
    lists = rank_sampled(context, k=negatives + 1, threshold=4.0, negatives=negatives)
    assert len(lists.users) > 0
    for row, user in enumerate(lists.users):
        candidates = lists.top_k[row].tolist()
        positive = candidates[np.flatnonzero(lists.hits[row])[0]]
        drawn = set(candidates) - {positive}
        assert len(drawn) == negatives
        assert not drawn & rated_items(context, user)


def test_sampled_protocol_is_deterministic_for_a_seed(make_context):
    first = rank_sampled(
        sparse_context(make_context, seed=7), k=11, threshold=4.0, negatives=10
    )
    second = rank_sampled(
        sparse_context(make_context, seed=7), k=11, threshold=4.0, negatives=10
    )
    assert np.array_equal(first.top_k, second.top_k)
    assert np.array_equal(first.first_rank, second.first_rank)


def test_sampled_protocol_changes_with_the_seed(make_context):
    first = rank_sampled(
        sparse_context(make_context, seed=7), k=11, threshold=4.0, negatives=10
    )
    second = rank_sampled(
        sparse_context(make_context, seed=8), k=11, threshold=4.0, negatives=10
    )
    assert not np.array_equal(np.sort(first.top_k), np.sort(second.top_k))


def test_one_ranking_per_relevant_held_out_item(make_context):
    context = sparse_context(make_context)
    lists = rank_sampled(context, k=5, threshold=4.0, negatives=10)
    relevant = context.actual >= 4.0
    assert len(lists.users) == int(relevant.sum())
    assert lists.users.tolist() == sorted(context.users[relevant].tolist())


def test_sampled_skips_users_lacking_negatives(make_context):
    # User 0 rated 3 of 5 items, leaving 2 negatives. User 1 rated 2, leaving 3.
    context = make_context(
        scores=np.ones((2, 5)),
        exclude={0: [0, 1], 1: [0]},
        rows=[(0, 2, 5.0), (1, 2, 5.0)],
    )
    lists = rank_sampled(context, k=3, threshold=4.0, negatives=3)
    assert lists.users.tolist() == [1]


def test_sample_negatives_draws_distinct_unrated_items():
    rng = np.random.default_rng(0)
    rated = rng.random((30, 40)) < 0.7
    rated[0, :] = True
    rated[0, :5] = False  # exactly 5 unrated items: all must be drawn
    rows = np.repeat(np.arange(30), 2)
    rows = rows[(40 - rated.sum(axis=1))[rows] >= 5]
    drawn = sample_negatives(rated, rows, count=5, rng=np.random.default_rng(1))
    assert drawn.shape == (len(rows), 5)
    for row, items in zip(rows, drawn, strict=True):
        assert len(set(items.tolist())) == 5
        assert not rated[row, items].any()
    assert sorted(drawn[0].tolist()) == [0, 1, 2, 3, 4]


def test_sample_negatives_rejects_too_few_unrated_items():
    rated = np.array([[True, True, False]])
    with pytest.raises(ValueError, match="fewer than 2 unrated items"):
        sample_negatives(rated, np.array([0]), count=2, rng=np.random.default_rng(0))


def test_sample_negatives_is_uniform_over_unrated_items():
    # 4 unrated items, 2 drawn per ranking: each item appears in half the draws.
    rated = np.zeros((1, 6), dtype=bool)
    rated[0, [1, 4]] = True
    rows = np.zeros(4000, dtype=np.int64)
    drawn = sample_negatives(rated, rows, count=2, rng=np.random.default_rng(2))
    counts = np.bincount(drawn.ravel(), minlength=6)
    assert counts[1] == 0
    assert counts[4] == 0
    # Each count is Binomial(4000, 0.5): mean 2000, standard deviation 31.6. Allow 5.
    assert np.all(np.abs(counts[[0, 2, 3, 5]] - 2000) < 5 * 31.6)


def test_sampled_scores_only_part_users(make_context):
    context = sparse_context(make_context)
    seen = []

    def recording_scorer(batch: np.ndarray) -> np.ndarray:
        seen.extend(batch.tolist())
        return context.score(batch)

    rank_sampled(
        dataclasses.replace(context, score=recording_scorer),
        k=5,
        threshold=4.0,
        negatives=10,
    )
    assert set(seen) <= set(context.users.tolist())
