"""Ranking metrics against values computed by hand, under both protocols."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from ncfkit.errors import ConfigError
from ncfkit.params import build_params
from ncfkit.registry import load_registry

LOG2_3 = math.log2(3)

# Three users, five items. Every user's highest score is an excluded (training)
# item, so a ranking that forgot the exclusion would change every result below.
SCORES = [
    [5.0, 4.0, 3.0, 2.0, 1.0],
    [1.0, 2.0, 3.0, 4.0, 5.0],
    [3.0, 5.0, 1.0, 4.0, 2.0],
]
EXCLUDE = {0: [0], 1: [4], 2: [1]}
# Relevant (>= 4 stars): user 0 items 1 and 3, user 1 item 0, user 2 none.
ROWS = [
    (0, 1, 5.0),
    (0, 3, 4.0),
    (0, 2, 2.0),
    (1, 0, 4.5),
    (1, 3, 3.0),
    (2, 4, 1.0),
]

# Full ranking, k = 2 (ties do not occur).
# user 0: candidates 1, 2, 3, 4 score 4, 3, 2, 1 -> ranked [1, 2, 3, 4], top 2 [1, 2]
#   hits [1, 0]; relevant {1, 3}: HR 1, P 1/2, R 1/2, RR 1/1,
#   DCG 1/log2(2) = 1, IDCG 1 + 1/log2(3), NDCG 1 / (1 + 1/log2(3))
# user 1: candidates 0, 1, 2, 3 score 1, 2, 3, 4 -> ranked [3, 2, 1, 0], top 2 [3, 2]
#   relevant {0} at rank 4: HR 0, P 0, R 0, NDCG 0, RR 1/4
# user 2: no relevant item, skipped; top 2 of 0, 2, 3, 4 (scores 3, 1, 4, 2) is [3, 0]
FULL_NDCG_USER_0 = 1.0 / (1.0 + 1.0 / LOG2_3)
FULL_EXPECTED = {
    "hr@2": (1 + 0) / 2,
    "precision@2": (0.5 + 0) / 2,
    "recall@2": (0.5 + 0) / 2,
    "ndcg@2": (FULL_NDCG_USER_0 + 0) / 2,
    "mrr": (1 + 0.25) / 2,
    # top-2 lists [1, 2], [3, 2], [3, 0] cover items {0, 1, 2, 3}: 4 of 5
    "coverage@2": 4 / 5,
}

# Sampled protocol, k = 2, negatives = 2, with different scores. Each user has
# exactly two unrated items, so the negatives are forced whatever the seed.
SAMPLED_SCORES = [
    [5.0, 1.0, 3.0, 2.0, 4.0],
    [1.0, 2.0, 3.0, 4.0, 5.0],
    [1.0, 1.0, 1.0, 1.0, 1.0],
]
SAMPLED_EXCLUDE = {0: [0], 1: [4], 2: [1]}
SAMPLED_ROWS = [
    (0, 1, 5.0),
    (0, 2, 4.0),
    (1, 0, 4.5),
    (1, 3, 2.0),
    (2, 4, 2.0),
]
# user 0 rated {0, 1, 2}, negatives {3, 4} (scores 2, 4)
#   item 1 (score 1) ranks 3rd: hit 0, NDCG 0, P 0, R 0, RR 1/3
#   item 2 (score 3) ranks 2nd: hit 1, NDCG 1/log2(3), P 1/2, R 1, RR 1/2
# user 1 rated {0, 3, 4}, negatives {1, 2} (scores 2, 3)
#   item 0 (score 1) ranks 3rd: hit 0, NDCG 0, P 0, R 0, RR 1/3
# user 2 has no relevant item, skipped. Average per user, then over users 0 and 1.
SAMPLED_EXPECTED = {
    "hr@2/sampled2": ((0 + 1) / 2 + 0) / 2,
    "ndcg@2/sampled2": ((0 + 1 / LOG2_3) / 2 + 0) / 2,
    "precision@2/sampled2": ((0 + 0.5) / 2 + 0) / 2,
    "recall@2/sampled2": ((0 + 1) / 2 + 0) / 2,
    "mrr/sampled2": ((1 / 3 + 1 / 2) / 2 + 1 / 3) / 2,
}


def run_metric(name: str, values: dict, context) -> dict[str, float]:
    component = load_registry(entry_points=False).get("metric", name).component
    params = build_params(component.params, values, where=f"metrics.{name}")
    return component.factory(params)(context)


@pytest.mark.parametrize("key", sorted(FULL_EXPECTED))
def test_full_ranking_metric_matches_hand_value(key, make_context):
    context = make_context(scores=SCORES, exclude=EXCLUDE, rows=ROWS)
    name = key.split("@")[0]
    values = {} if name == "mrr" else {"k": 2}
    result = run_metric(name, values, context)
    assert result == {key: pytest.approx(FULL_EXPECTED[key])}


@pytest.mark.parametrize("key", sorted(SAMPLED_EXPECTED))
def test_sampled_metric_matches_hand_value(key, make_context):
    context = make_context(
        scores=SAMPLED_SCORES, exclude=SAMPLED_EXCLUDE, rows=SAMPLED_ROWS
    )
    name = key.split("@")[0].split("/")[0]
    values = {"protocol": "sampled", "negatives": 2}
    if name != "mrr":
        values["k"] = 2
    result = run_metric(name, values, context)
    assert result == {key: pytest.approx(SAMPLED_EXPECTED[key])}


def test_threshold_decides_relevance(make_context):
    context = make_context(scores=SCORES, exclude=EXCLUDE, rows=ROWS)
    # At 3 stars user 1's item 3 (score 4, ranked 1st) becomes relevant: user 1 hits.
    result = run_metric("hr", {"k": 2, "threshold": 3.0}, context)
    assert result == {"hr@2": pytest.approx(1.0)}


def test_ranking_metric_is_nan_without_relevant_items(make_context):
    context = make_context(scores=SCORES, exclude=EXCLUDE, rows=[(2, 4, 1.0)])
    result = run_metric("ndcg", {}, context)
    assert math.isnan(result["ndcg@10"])


def test_default_keys_name_cutoff_and_protocol(make_context):
    context = make_context(scores=SCORES, exclude=EXCLUDE, rows=ROWS)
    sampled = {"protocol": "sampled", "negatives": 1}
    assert list(run_metric("ndcg", {}, context)) == ["ndcg@10"]
    assert list(run_metric("ndcg", sampled, context)) == ["ndcg@10/sampled1"]
    assert list(run_metric("mrr", {}, context)) == ["mrr"]
    assert list(run_metric("mrr", sampled, context)) == ["mrr/sampled1"]
    assert list(run_metric("coverage", {}, context)) == ["coverage@10"]


def test_ranking_metrics_score_each_user_once(make_context):
    context = make_context(scores=SCORES, exclude=EXCLUDE, rows=ROWS)
    calls = []

    def counting_scorer(batch: np.ndarray) -> np.ndarray:
        calls.append(batch)
        return context.score(batch)

    counting = dataclasses.replace(context, score=counting_scorer)
    for name in ["hr", "ndcg", "precision", "recall", "mrr", "coverage"]:
        run_metric(name, {}, counting)
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("name", "values", "message"),
    [
        ("hr", {"k": 0}, "k must be at least 1"),
        ("ndcg", {"threshold": 0.0}, "threshold must be a positive number"),
        ("mrr", {"negatives": 0}, "negatives must be at least 1"),
        ("coverage", {"k": -1}, "k must be at least 1"),
    ],
)
def test_invalid_ranking_params_name_metric(name, values, message):
    component = load_registry(entry_points=False).get("metric", name).component
    with pytest.raises(ConfigError, match=f"invalid metrics.{name}: {message}"):
        build_params(component.params, values, where=f"metrics.{name}")


def test_unknown_protocol_is_rejected():
    component = load_registry(entry_points=False).get("metric", "hr").component
    with pytest.raises(ConfigError, match="choose one of 'full', 'sampled'"):
        build_params(component.params, {"protocol": "sample"}, where="metrics.hr")


def test_precision_divides_short_lists_by_k(make_context):
    # One user, candidates items 1 and 2 only, both relevant: 2 hits / k = 10.
    context = make_context(
        scores=np.ones((1, 3)), exclude={0: [0]}, rows=[(0, 1, 5.0), (0, 2, 5.0)]
    )
    assert run_metric("precision", {}, context) == {"precision@10": 0.2}
    assert run_metric("recall", {}, context) == {"recall@10": pytest.approx(1.0)}
