"""The biased-mf head's per-example L2 penalty."""

from __future__ import annotations

import pytest
import torch

from ncfkit.components import ModelShape
from ncfkit.errors import ConfigError
from ncfkit.models.biased_mf import BiasedMFHead, BiasedMFParams
from ncfkit.params import build_params

SHAPE = ModelShape(n_users=5, n_items=4, mean_rating=0.6)


def build_head(**values: object) -> BiasedMFHead:
    params = build_params(BiasedMFParams, dict(values), where="head.biased-mf")
    torch.manual_seed(0)
    head = BiasedMFHead(params, SHAPE)
    with torch.no_grad():
        head.user_bias.weight.normal_()
        head.item_bias.weight.normal_()
    return head


def test_penalty_is_zero_by_default():
    head = build_head()
    assert head.penalty(torch.tensor([0, 1]), torch.tensor([2, 3])).item() == 0.0


def test_penalty_is_batch_mean_of_weighted_squared_norms():
    head = build_head(reg=0.5, bias_reg=0.25)
    users, items = torch.tensor([0, 4, 4]), torch.tensor([1, 3, 1])
    expected = 0.0
    for user, item in zip(users.tolist(), items.tolist(), strict=True):
        expected += 0.5 * (
            head.user_embedding.weight[user].square().sum()
            + head.item_embedding.weight[item].square().sum()
        )
        expected += 0.25 * (
            head.user_bias.weight[user, 0] ** 2 + head.item_bias.weight[item, 0] ** 2
        )
    penalty = head.penalty(users, items)
    assert penalty.item() == pytest.approx(expected.item() / 3, rel=1e-5)


def test_penalty_reaches_only_the_batch_rows():
    head = build_head(reg=1.0, bias_reg=1.0)
    head.penalty(torch.tensor([2, 2]), torch.tensor([1, 3])).backward()
    for table, rows in (
        (head.user_embedding, [2]),
        (head.user_bias, [2]),
        (head.item_embedding, [1, 3]),
        (head.item_bias, [1, 3]),
    ):
        touched = table.weight.grad.abs().sum(dim=1).nonzero().flatten()
        assert touched.tolist() == rows


def test_penalty_does_not_change_predictions():
    users, items = torch.tensor([0, 1, 2]), torch.tensor([3, 2, 1])
    plain = build_head()(users, items)
    regularised = build_head(reg=0.1, bias_reg=0.1)(users, items)
    assert torch.equal(plain, regularised)


def test_params_reject_negative_weights():
    for name in ("reg", "bias_reg"):
        with pytest.raises(ConfigError, match=name):
            build_params(BiasedMFParams, {name: -1e-3}, where="head.biased-mf")
