from __future__ import annotations

import pytest
import torch
from ncfkit.components import FeatureContext, ModelShape
from ncfkit.errors import ConfigError
from ncfkit.params import NoParams, build_params

from ncfkit_genres import features as genre_features
from ncfkit_genres.head import GenreBag, GenresHeadParams, build


def _shape(context: FeatureContext) -> ModelShape:
    return ModelShape(
        n_users=context.id_map.n_users, n_items=context.id_map.n_items, mean_rating=0.7
    )


def _fitted(context: FeatureContext) -> dict[str, torch.Tensor]:
    return genre_features.build(NoParams()).fit(context)


def test_head_predicts_one_value_per_pair(genre_context: FeatureContext) -> None:
    torch.manual_seed(0)
    model = build(
        GenresHeadParams(), shape=_shape(genre_context), features=_fitted(genre_context)
    )
    users = torch.tensor([0, 1, 2, 0, 2])
    items = torch.arange(5)
    prediction = model(users, items)
    assert prediction.shape == (5,)
    assert torch.isfinite(prediction).all()


def test_bag_pools_mean_of_genre_embeddings(genre_context: FeatureContext) -> None:
    tensors = _fitted(genre_context)
    bag = GenreBag(tensors, n_items=genre_context.id_map.n_items, dim=3, head="genres")
    item = int(genre_context.id_map.item_index([10])[0])  # Comedy, Drama
    weight = bag.bag.weight.detach()
    expected = (weight[0] + weight[1]) / 2
    torch.testing.assert_close(bag(torch.tensor([item]))[0], expected)


def test_item_without_genres_gets_learned_vector(
    genre_context: FeatureContext,
) -> None:
    tensors = _fitted(genre_context)
    bag = GenreBag(tensors, n_items=genre_context.id_map.n_items, dim=3, head="genres")
    with torch.no_grad():
        bag.no_genres.copy_(torch.tensor([1.0, 2.0, 3.0]))
    item = int(genre_context.id_map.item_index([30])[0])
    torch.testing.assert_close(bag(torch.tensor([item]))[0], bag.no_genres.detach())

    bag(torch.tensor([item])).sum().backward()
    assert bag.no_genres.grad is not None
    assert bag.no_genres.grad.abs().sum() > 0


def test_held_out_only_genre_predicts(genre_context: FeatureContext) -> None:
    model = build(
        GenresHeadParams(), shape=_shape(genre_context), features=_fitted(genre_context)
    )
    model.eval()
    item = torch.tensor(genre_context.id_map.item_index([50]))
    assert torch.isfinite(model(torch.tensor([0]), item)).all()


def test_training_steps_lower_the_loss(genre_context: FeatureContext) -> None:
    torch.manual_seed(0)
    model = build(
        GenresHeadParams(dropout=0.0),
        shape=_shape(genre_context),
        features=_fitted(genre_context),
    )
    train = genre_context.ratings.iloc[genre_context.split.train]
    users = torch.tensor(train["user_index"].to_numpy())
    items = torch.tensor(train["item_index"].to_numpy())
    target = torch.tensor(train["rating"].to_numpy() / 5, dtype=torch.float32)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        loss = torch.nn.functional.mse_loss(model(users, items), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 2


def test_head_without_features_names_provider(
    genre_context: FeatureContext,
) -> None:
    with pytest.raises(ConfigError, match="--plugin genres"):
        build(GenresHeadParams(), shape=_shape(genre_context), features={})


def test_features_of_other_dataset_are_rejected(
    genre_context: FeatureContext,
) -> None:
    shape = ModelShape(n_users=3, n_items=7, mean_rating=0.7)
    with pytest.raises(ConfigError, match="7 items"):
        build(GenresHeadParams(), shape=shape, features=_fitted(genre_context))


def test_params_reject_zero_genre_dim() -> None:
    with pytest.raises(ConfigError, match="genre_dim"):
        build_params(GenresHeadParams, {"genre_dim": "0"}, where="head")


def test_rebuilt_head_predicts_the_same(genre_context: FeatureContext) -> None:
    tensors = _fitted(genre_context)
    shape = _shape(genre_context)
    model = build(GenresHeadParams(), shape=shape, features=tensors).eval()
    # Rebuild from the saved tensors and weights alone, as a checkpoint load does.
    saved = {key: value.clone() for key, value in tensors.items()}
    state = model.state_dict()
    loaded = build(GenresHeadParams(), shape=shape, features=saved).eval()
    loaded.load_state_dict(state)

    users = torch.tensor([0, 1, 2])
    items = torch.tensor([0, 2, 4])
    torch.testing.assert_close(loaded(users, items), model(users, items))
