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
from ncfkit.models.implicit_feedback import (
    ITEM_OFFSETS,
    ITEM_USERS,
    USER_ITEMS,
    USER_OFFSETS,
    ImplicitFeedback,
)
from ncfkit.models.svdpp import SVDppHead, SVDppParams
from ncfkit.params import build_params
from ncfkit.registry import load_registry
from ncfkit.runs.checkpoint import load_checkpoint
from tests.core.engine_helpers import small_config

SHAPE = ModelShape(n_users=4, n_items=6, mean_rating=0.7)
# Train items of the users 0-3: user 2 has none.
TRAIN_SETS = [[0, 1, 2], [1, 3], [], [0, 2, 4, 5]]


def csr(sets: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in sets])])
    members = [member for members in sets for member in members]
    return torch.tensor(offsets, dtype=torch.long), torch.tensor(members)


def implicit_features(sets: list[list[int]]) -> dict[str, torch.Tensor]:
    """Return N(u) from `sets` and R(i) as its transpose over SHAPE's items."""
    raters = [
        [user for user, items in enumerate(sets) if item in items]
        for item in range(SHAPE.n_items)
    ]
    user_offsets, user_items = csr(sets)
    item_offsets, item_users = csr(raters)
    return {
        USER_OFFSETS: user_offsets,
        USER_ITEMS: user_items,
        ITEM_OFFSETS: item_offsets,
        ITEM_USERS: item_users,
    }


def build_head(*, seed: int = 0, **values: object) -> SVDppHead:
    params = build_params(SVDppParams, dict(values), where="head.svdpp")
    torch.manual_seed(seed)
    return SVDppHead(params, SHAPE, implicit_features(TRAIN_SETS))


def raters(item: int) -> list[int]:
    return [user for user, items in enumerate(TRAIN_SETS) if item in items]


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


def members(
    features: dict[str, torch.Tensor], offsets_key: str, members_key: str, key: int
) -> list[int]:
    offsets = features[offsets_key]
    return features[members_key][offsets[key] : offsets[key + 1]].tolist()


def users_items(features: dict[str, torch.Tensor], user: int) -> list[int]:
    return members(features, USER_OFFSETS, USER_ITEMS, user)


def items_users(features: dict[str, torch.Tensor], item: int) -> list[int]:
    return members(features, ITEM_OFFSETS, ITEM_USERS, item)


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


def test_item_side_adds_raters_implicit_factors():
    head = build_head(embedding_dim=3, item_implicit=True)
    with torch.no_grad():
        for table in (head.user_embedding, head.item_embedding, head.implicit):
            table.weight.normal_()
        head.item_implicit.weight.normal_()
    user, item = 1, 2
    y_sum = head.implicit.weight[TRAIN_SETS[user]].sum(dim=0)
    z_sum = head.item_implicit.weight[raters(item)].sum(dim=0)
    user_vector = (
        head.user_embedding.weight[user] + y_sum / len(TRAIN_SETS[user]) ** 0.5
    )
    item_vector = head.item_embedding.weight[item] + z_sum / len(raters(item)) ** 0.5
    expected = head.global_mean + user_vector @ item_vector
    predicted = head(torch.tensor([user]), torch.tensor([item]))[0]
    assert predicted.item() == pytest.approx(expected.item(), rel=1e-5)


def test_item_side_is_off_by_default():
    head = build_head()
    assert head.item_implicit is None
    assert not any("item_implicit" in key for key in head.state_dict())


def test_batch_equals_single_predictions():
    head = build_head(item_implicit=True)
    with torch.no_grad():
        head.implicit.weight.normal_()
        head.item_implicit.weight.normal_()
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
    head = build_head(
        reg=0.5,
        bias_reg=0.25,
        implicit_reg=2.0,
        item_implicit=True,
        item_implicit_reg=3.0,
    )
    with torch.no_grad():
        for table in (
            head.user_bias,
            head.item_bias,
            head.implicit,
            head.item_implicit,
        ):
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
        expected += 3.0 * head.item_implicit.weight[raters(item)].square().sum()
    penalty = head.penalty(users, items)
    assert penalty.item() == pytest.approx(expected.item() / 3, rel=1e-5)


def test_implicit_penalty_reaches_only_the_users_train_items():
    head = build_head(implicit_reg=1.0)
    head.penalty(torch.tensor([1]), torch.tensor([0])).backward()
    touched = head.implicit.weight.grad.abs().sum(dim=1).nonzero().flatten()
    assert touched.tolist() == TRAIN_SETS[1]


def test_item_implicit_penalty_reaches_only_the_items_raters():
    head = build_head(item_implicit=True, item_implicit_reg=1.0)
    head.penalty(torch.tensor([1]), torch.tensor([2])).backward()
    touched = head.item_implicit.weight.grad.abs().sum(dim=1).nonzero().flatten()
    assert touched.tolist() == raters(2)


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
    head = build_head(reg=1e-4, implicit_reg=1e-4, item_implicit=True)
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
    for name in ("reg", "bias_reg", "implicit_reg", "item_implicit_reg"):
        with pytest.raises(ConfigError, match=name):
            build_params(
                SVDppParams, {name: -0.1, "item_implicit": True}, where="head.svdpp"
            )


def test_params_reject_item_reg_without_item_side():
    with pytest.raises(ConfigError, match="set item_implicit = true"):
        build_params(SVDppParams, {"item_implicit_reg": 0.1}, where="head.svdpp")


def test_head_without_implicit_features_names_the_provider():
    with pytest.raises(ConfigError, match="implicit-feedback"):
        SVDppHead(SVDppParams(), SHAPE, {})


def test_head_rejects_features_of_other_data():
    # Sets for two users, where SHAPE has four.
    user_offsets, user_items = csr([[0], [1]])
    features = {
        **implicit_features(TRAIN_SETS),
        USER_OFFSETS: user_offsets,
        USER_ITEMS: user_items,
    }
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
    for item in held_out:
        assert items_users(features, item) == []
    assert users_items(features, 0) == sorted(context.id_map.item_index([10, 11]))
    assert users_items(features, 1) == sorted(context.id_map.item_index([10, 12]))


def test_provider_matches_real_split_train_rows():
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

    assert features[USER_OFFSETS].shape == (context.id_map.n_users + 1,)
    assert features[ITEM_OFFSETS].shape == (context.id_map.n_items + 1,)
    train = context.ratings.iloc[split.train]
    for user in range(context.id_map.n_users):
        expected = sorted(train.loc[train["user_index"] == user, "item_index"])
        assert users_items(features, user) == expected
    for item in range(context.id_map.n_items):
        expected = sorted(train.loc[train["item_index"] == item, "user_index"])
        assert items_users(features, item) == expected


def test_run_saves_implicit_sets_and_reloads_the_head(small_movielens, tmp_path):
    registry = load_registry(entry_points=False)
    config = small_config(
        registry,
        small_movielens,
        "head=svdpp",
        "head.embedding_dim=8",
        "head.reg=0.01",
        "head.item_implicit=true",
    )
    assert [entry.name for entry in config.features] == ["implicit-feedback"]
    result = execute_run(config, registry=registry, runs_dir=tmp_path)

    best = load_checkpoint(result.run_dir / "checkpoints" / "best.json")
    keys = (USER_OFFSETS, USER_ITEMS, ITEM_OFFSETS, ITEM_USERS)
    assert {f"features.{key}" for key in keys} <= set(best.tensors)
    model = ncfkit.load(result.run_dir, registry=registry)
    user = int(model.id_map.user_ids[0])
    movies = model.id_map.item_ids[:5]
    first = model.predict(user, movies)
    assert first.shape == (5,)
    assert np.array_equal(first, ncfkit.load(result.run_dir).predict(user, movies))
