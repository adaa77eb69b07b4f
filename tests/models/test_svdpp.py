"""The svdpp head and the implicit-feedback provider it reads N(u) from."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import ncfkit
from ncfkit.components import Dataset, FeatureContext, IdMap, ModelShape, Split
from ncfkit.engine import execute_run
from ncfkit.errors import ConfigError
from ncfkit.models.implicit_feedback import ITEMS, OFFSETS, ImplicitFeedback
from ncfkit.models.svdpp import SVDppHead, SVDppParams
from ncfkit.params import build_params
from ncfkit.registry import load_registry
from ncfkit.runs.checkpoint import load_checkpoint
from tests.core.engine_helpers import small_config

SHAPE = ModelShape(n_users=4, n_items=6, mean_rating=0.7)
# Train items of the users 0-3: user 2 has none.
TRAIN_SETS = [[0, 1, 2], [1, 3], [], [0, 2, 4, 5]]


def implicit_features(sets: list[list[int]]) -> dict[str, torch.Tensor]:
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in sets])])
    items = [item for items in sets for item in items]
    return {
        OFFSETS: torch.tensor(offsets, dtype=torch.long),
        ITEMS: torch.tensor(items, dtype=torch.long),
    }


def build_head(*, seed: int = 0, **values: object) -> SVDppHead:
    params = build_params(SVDppParams, dict(values), where="head.svdpp")
    torch.manual_seed(seed)
    return SVDppHead(params, SHAPE, implicit_features(TRAIN_SETS))


def feature_context(ratings: pd.DataFrame, split: Split) -> FeatureContext:
    id_map = IdMap.from_ratings(ratings)
    ratings = ratings.assign(
        user_index=id_map.user_index(ratings["user_id"]),
        item_index=id_map.item_index(ratings["item_id"]),
    )
    dataset = Dataset(
        name="tiny", path=Path("."), layout="test", ratings=ratings, items=None
    )
    return FeatureContext(dataset, ratings, split, id_map)


def users_items(features: dict[str, torch.Tensor], user: int) -> list[int]:
    offsets = features[OFFSETS]
    return features[ITEMS][offsets[user] : offsets[user + 1]].tolist()


def test_head_predicts_one_value_per_pair():
    head = build_head()
    predictions = head(torch.tensor([0, 2, 3, 3, 1]), torch.tensor([5, 0, 1, 1, 4]))
    assert predictions.shape == (5,)
    assert predictions.dtype == torch.float32


def test_head_is_deterministic_under_a_seed():
    users = torch.arange(4).repeat_interleave(6)
    items = torch.arange(6).repeat(4)
    first = build_head(seed=3)(users, items)
    second = build_head(seed=3)(users, items)
    other = build_head(seed=4)(users, items)
    assert torch.equal(first, second)
    assert not torch.equal(first, other)


def test_prediction_matches_koren_formula():
    head = build_head(embedding_dim=3)
    with torch.no_grad():
        for table in (head.user_embedding, head.item_embedding, head.implicit):
            table.weight.normal_()
        head.user_bias.weight.normal_()
        head.item_bias.weight.normal_()
    user, item = 3, 1
    y_sum = head.implicit.weight[TRAIN_SETS[user]].sum(dim=0)
    user_vector = (
        head.user_embedding.weight[user] + y_sum / len(TRAIN_SETS[user]) ** 0.5
    )
    expected = (
        head.global_mean
        + head.user_bias.weight[user, 0]
        + head.item_bias.weight[item, 0]
        + user_vector @ head.item_embedding.weight[item]
    )
    predicted = head(torch.tensor([user]), torch.tensor([item]))[0]
    assert predicted.item() == pytest.approx(expected.item(), rel=1e-5)


def test_prediction_is_the_same_alone_and_in_a_batch():
    head = build_head()
    with torch.no_grad():
        head.implicit.weight.normal_()
    users = torch.tensor([1, 3, 0, 2, 1])
    items = torch.tensor([0, 5, 2, 2, 3])
    batch = head(users, items)
    alone = torch.cat([head(users[i : i + 1], items[i : i + 1]) for i in range(5)])
    assert torch.allclose(batch, alone, atol=1e-6)


def test_user_without_train_items_gets_no_implicit_term():
    head = build_head()
    with torch.no_grad():
        head.implicit.weight.fill_(1.0)
    users, items = torch.tensor([2]), torch.tensor([4])
    plain = (
        head.global_mean
        + head.user_bias.weight[2, 0]
        + head.item_bias.weight[4, 0]
        + head.user_embedding.weight[2] @ head.item_embedding.weight[4]
    )
    assert head(users, items).item() == pytest.approx(plain.item(), rel=1e-6)


def test_penalty_is_zero_when_off():
    head = build_head()
    assert head.penalty(torch.tensor([0, 1]), torch.tensor([2, 3])).item() == 0.0


def test_penalty_is_batch_mean_of_weighted_squared_norms():
    head = build_head(reg=0.5, bias_reg=0.25, implicit_reg=2.0)
    with torch.no_grad():
        for table in (head.user_bias, head.item_bias, head.implicit):
            table.weight.normal_()
    users, items = torch.tensor([0, 3, 3]), torch.tensor([1, 5, 1])
    expected = 0.0
    for user, item in zip(users.tolist(), items.tolist(), strict=True):
        expected += 0.5 * (
            head.user_embedding.weight[user].square().sum()
            + head.item_embedding.weight[item].square().sum()
        )
        expected += 0.25 * (
            head.user_bias.weight[user, 0] ** 2 + head.item_bias.weight[item, 0] ** 2
        )
        expected += 2.0 * head.implicit.weight[TRAIN_SETS[user]].square().sum()
    penalty = head.penalty(users, items)
    assert penalty.item() == pytest.approx(expected.item() / 3, rel=1e-5)


def test_implicit_penalty_reaches_only_the_users_train_items():
    head = build_head(implicit_reg=1.0)
    head.penalty(torch.tensor([1]), torch.tensor([0])).backward()
    touched = head.implicit.weight.grad.abs().sum(dim=1).nonzero().flatten()
    assert touched.tolist() == TRAIN_SETS[1]


def test_few_adam_steps_reduce_the_loss():
    generator = torch.Generator().manual_seed(1)
    users = torch.arange(4).repeat_interleave(6)
    items = torch.arange(6).repeat(4)
    ratings = (
        0.2
        + 0.8
        * torch.rand(4, generator=generator)[users]
        * torch.rand(6, generator=generator)[items]
    )
    head = build_head(reg=1e-4, implicit_reg=1e-4)
    optimizer = torch.optim.Adam(head.parameters(), lr=0.02)

    def loss() -> float:
        with torch.no_grad():
            return torch.nn.functional.mse_loss(head(users, items), ratings).item()

    before = loss()
    for _ in range(50):
        optimizer.zero_grad()
        objective = torch.nn.functional.mse_loss(head(users, items), ratings)
        (objective + head.penalty(users, items)).backward()
        optimizer.step()
    assert loss() < 0.5 * before


def test_params_reject_negative_weights():
    for name in ("reg", "bias_reg", "implicit_reg"):
        with pytest.raises(ConfigError, match=name):
            build_params(SVDppParams, {name: -0.1}, where="head.svdpp")


def test_head_without_implicit_features_names_the_provider():
    with pytest.raises(ConfigError, match="implicit-feedback"):
        SVDppHead(SVDppParams(), SHAPE, {})


def test_head_rejects_features_of_other_data():
    features = implicit_features([[0], [1]])
    with pytest.raises(ConfigError, match="another dataset"):
        SVDppHead(SVDppParams(), SHAPE, features)


def test_provider_leaves_validation_only_item_out():
    # Item 99 is rated only in validation rows, item 77 only in test rows.
    ratings = pd.DataFrame(
        {
            "user_id": [1, 1, 1, 1, 2, 2, 2, 2],
            "item_id": [10, 11, 99, 77, 10, 12, 99, 11],
            "rating": [4.0, 3.0, 5.0, 2.0, 1.0, 2.5, 4.5, 3.0],
            "timestamp": np.arange(8),
        }
    )
    split = Split(
        train=np.array([0, 1, 4, 5]),
        validation=np.array([2, 6]),
        test=np.array([3, 7]),
    )
    context = feature_context(ratings, split)
    features = ImplicitFeedback().fit(context)

    held_out = context.id_map.item_index(np.array([99, 77]))
    for user in range(context.id_map.n_users):
        assert not set(held_out) & set(users_items(features, user))
    assert users_items(features, 0) == sorted(context.id_map.item_index([10, 11]))
    assert users_items(features, 1) == sorted(context.id_map.item_index([10, 12]))


def test_provider_sets_equal_train_rows_of_a_real_split():
    rng = np.random.default_rng(0)
    ratings = pd.DataFrame(
        {
            "user_id": rng.integers(0, 30, size=600),
            "item_id": rng.integers(0, 50, size=600),
            "rating": rng.integers(1, 11, size=600) / 2,
            "timestamp": np.arange(600),
        }
    ).drop_duplicates(["user_id", "item_id"], ignore_index=True)
    splitter = load_registry(entry_points=False).get("splitter", "per-user-ratio")
    params = build_params(splitter.component.params, {}, where="splitter")
    split = splitter.component.factory(params)(ratings)
    context = feature_context(ratings, split)
    features = ImplicitFeedback().fit(context)

    assert features[OFFSETS].shape == (context.id_map.n_users + 1,)
    train = context.ratings.iloc[split.train]
    for user in range(context.id_map.n_users):
        expected = sorted(train.loc[train["user_index"] == user, "item_index"])
        assert users_items(features, user) == expected


def test_run_saves_implicit_sets_and_reloads_the_head(small_movielens, tmp_path):
    registry = load_registry(entry_points=False)
    config = small_config(
        registry, small_movielens, "head=svdpp", "head.embedding_dim=8", "head.reg=0.01"
    )
    assert [entry.name for entry in config.features] == ["implicit-feedback"]
    result = execute_run(config, registry=registry, runs_dir=tmp_path)

    best = load_checkpoint(result.run_dir / "checkpoints" / "best.json")
    assert {f"features.{OFFSETS}", f"features.{ITEMS}"} <= set(best.tensors)
    model = ncfkit.load(result.run_dir, registry=registry)
    user = int(model.id_map.user_ids[0])
    movies = model.id_map.item_ids[:5]
    first = model.predict(user, movies)
    assert first.shape == (5,)
    assert np.array_equal(first, ncfkit.load(result.run_dir).predict(user, movies))
