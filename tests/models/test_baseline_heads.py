"""The gmf, neumf and biased-mf heads: shapes, determinism, learning, params."""

from __future__ import annotations

import pytest
import torch

from ncfkit.components import ModelShape
from ncfkit.errors import ConfigError
from ncfkit.models.biased_mf import BiasedMFHead, BiasedMFParams
from ncfkit.models.gmf import GMFHead, GMFParams
from ncfkit.models.neumf import NeuMFHead, NeuMFParams
from ncfkit.params import build_params
from ncfkit.registry import load_registry

HEADS = ["gmf", "neumf", "biased-mf"]
SHAPE = ModelShape(n_users=8, n_items=6, mean_rating=0.7)


def build_head(name: str, values: dict | None = None, *, seed: int = 0):
    component = load_registry(entry_points=False).get("head", name).component
    params = build_params(component.params, values or {}, where=f"head.{name}")
    torch.manual_seed(seed)
    return component.factory(params, shape=SHAPE, features={})


def synthetic_ratings() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Every (user, item) pair of SHAPE, rated by a rank-1 pattern on [0, 1]."""
    generator = torch.Generator().manual_seed(1)
    user_taste = torch.rand(SHAPE.n_users, generator=generator)
    item_appeal = torch.rand(SHAPE.n_items, generator=generator)
    users = torch.arange(SHAPE.n_users).repeat_interleave(SHAPE.n_items)
    items = torch.arange(SHAPE.n_items).repeat(SHAPE.n_users)
    ratings = 0.2 + 0.8 * user_taste[users] * item_appeal[items]
    return users, items, ratings


@pytest.mark.parametrize("name", HEADS)
def test_head_predicts_one_value_per_pair(name):
    head = build_head(name)
    users = torch.tensor([0, 3, 7, 7, 2])
    items = torch.tensor([5, 0, 1, 1, 4])
    predictions = head(users, items)
    assert predictions.shape == (5,)
    assert predictions.dtype == torch.float32


@pytest.mark.parametrize("name", HEADS)
def test_head_is_deterministic_under_a_seed(name):
    users, items, _ = synthetic_ratings()
    first = build_head(name, seed=3).eval()(users, items)
    second = build_head(name, seed=3).eval()(users, items)
    other = build_head(name, seed=4).eval()(users, items)
    assert torch.equal(first, second)
    assert not torch.equal(first, other)


@pytest.mark.parametrize("name", HEADS)
def test_head_starts_near_mean_rating(name):
    users, items, _ = synthetic_ratings()
    predictions = build_head(name).eval()(users, items)
    # Tolerance: NeuMF's MLP branch adds an untrained linear term to the bias.
    assert predictions.mean().item() == pytest.approx(SHAPE.mean_rating, abs=0.15)


@pytest.mark.parametrize("name", HEADS)
def test_few_adam_steps_reduce_the_loss(name):
    users, items, ratings = synthetic_ratings()
    head = build_head(name)
    optimizer = torch.optim.Adam(head.parameters(), lr=0.02)

    def loss() -> float:
        head.eval()
        with torch.no_grad():
            return torch.nn.functional.mse_loss(head(users, items), ratings).item()

    before = loss()
    head.train()
    for _ in range(50):
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(head(users, items), ratings).backward()
        optimizer.step()
    after = loss()
    assert after < 0.5 * before


def test_biased_mf_global_mean_starts_at_mean_rating():
    head = build_head("biased-mf")
    assert isinstance(head, BiasedMFHead)
    assert head.global_mean.item() == pytest.approx(SHAPE.mean_rating)
    assert torch.count_nonzero(head.user_bias.weight) == 0
    assert torch.count_nonzero(head.item_bias.weight) == 0


def test_gmf_embeddings_have_configured_size():
    head = build_head("gmf", {"embedding_dim": 5})
    assert isinstance(head, GMFHead)
    assert head.user_embedding.weight.shape == (SHAPE.n_users, 5)
    assert head.item_embedding.weight.shape == (SHAPE.n_items, 5)
    assert head.output.in_features == 5


def test_neumf_branches_have_separate_embeddings():
    head = build_head("neumf", {"gmf_dim": 4, "mlp_dim": 6, "layers": "10,3"})
    assert isinstance(head, NeuMFHead)
    assert head.gmf_user.weight.shape == (SHAPE.n_users, 4)
    assert head.mlp_user.weight.shape == (SHAPE.n_users, 6)
    assert head.mlp_item.weight.shape == (SHAPE.n_items, 6)
    # The fusion layer reads the GMF product and the last hidden layer of the MLP.
    assert head.output.in_features == 4 + 3


def test_neumf_dropout_is_active_only_in_training():
    head = build_head("neumf", {"dropout": 0.5})
    users, items, _ = synthetic_ratings()
    head.eval()
    assert torch.equal(head(users, items), head(users, items))
    head.train()
    torch.manual_seed(0)
    first = head(users, items)
    assert not torch.equal(first, head(users, items))


@pytest.mark.parametrize(
    ("params", "values", "message"),
    [
        (GMFParams, {"embedding_dim": 0}, "embedding_dim must be at least 1"),
        (BiasedMFParams, {"embedding_dim": -3}, "embedding_dim must be at least 1"),
        (NeuMFParams, {"gmf_dim": 0}, "gmf_dim must be at least 1"),
        (NeuMFParams, {"mlp_dim": 0}, "mlp_dim must be at least 1"),
        (NeuMFParams, {"layers": ()}, "layers must be one or more positive sizes"),
        (NeuMFParams, {"layers": (8, 0)}, "layers must be one or more positive sizes"),
        (NeuMFParams, {"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
    ],
)
def test_invalid_head_params_raise(params, values, message):
    with pytest.raises(ValueError, match=message):
        params(**values)


def test_invalid_head_param_names_the_head():
    component = load_registry(entry_points=False).get("head", "neumf").component
    with pytest.raises(ConfigError, match="invalid head.neumf: dropout must be"):
        build_params(component.params, {"dropout": -0.1}, where="head.neumf")


@pytest.mark.parametrize("name", HEADS)
def test_head_is_registered(name):
    assert name in load_registry(entry_points=False).names("head")
