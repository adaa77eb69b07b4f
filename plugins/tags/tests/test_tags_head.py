from __future__ import annotations

import pytest
import torch
from ncfkit.components import FeatureContext, ModelShape
from ncfkit.errors import ConfigError
from ncfkit.params import NoParams
from ncfkit_genres import features as genre_features

from ncfkit_tags.features import HAS_TAGS, VECTORS, TagsParams
from ncfkit_tags.features import build as build_tag_features
from ncfkit_tags.head import (
    GenresTagsHeadParams,
    TagInput,
    TagsHeadParams,
    build_genres_tags,
    build_tags,
)


def _shape(context: FeatureContext) -> ModelShape:
    return ModelShape(
        n_users=context.id_map.n_users, n_items=context.id_map.n_items, mean_rating=0.7
    )


def _tag_tensors(context: FeatureContext) -> dict[str, torch.Tensor]:
    return build_tag_features(TagsParams(dim=3, min_df=1)).fit(context)


def _all_tensors(context: FeatureContext) -> dict[str, torch.Tensor]:
    tensors = _tag_tensors(context)
    tensors.update(genre_features.build(NoParams()).fit(context))
    return tensors


def test_tag_input_appends_no_tags_indicator(tag_context: FeatureContext) -> None:
    tensors = _tag_tensors(tag_context)
    tag_input = TagInput(tensors, n_items=4, head="tags")
    inputs = tag_input(torch.arange(4))
    assert inputs.shape == (4, 4)
    torch.testing.assert_close(inputs[:, :3], tensors[VECTORS])
    expected = (~tensors[HAS_TAGS]).to(torch.float32)
    torch.testing.assert_close(inputs[:, 3], expected)


def test_untagged_items_differ_only_by_embedding(
    tag_context: FeatureContext,
) -> None:
    tensors = _tag_tensors(tag_context)
    tag_input = TagInput(tensors, n_items=4, head="tags")
    untagged = [int(tag_context.id_map.item_index([i])[0]) for i in (30, 40)]
    inputs = tag_input(torch.tensor(untagged))
    torch.testing.assert_close(inputs[0], inputs[1])
    torch.testing.assert_close(inputs[0], torch.tensor([0.0, 0.0, 0.0, 1.0]))


@pytest.mark.parametrize(
    ("build", "params"),
    [(build_tags, TagsHeadParams()), (build_genres_tags, GenresTagsHeadParams())],
)
def test_heads_predict_and_train(
    tag_context: FeatureContext, build: object, params: object
) -> None:
    torch.manual_seed(0)
    model = build(params, shape=_shape(tag_context), features=_all_tensors(tag_context))
    train = tag_context.ratings.iloc[tag_context.split.train]
    users = torch.tensor(train["user_index"].to_numpy())
    items = torch.tensor(train["item_index"].to_numpy())
    target = torch.tensor(train["rating"].to_numpy() / 5, dtype=torch.float32)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)

    model.train()
    losses = []
    for _ in range(30):
        loss = torch.nn.functional.mse_loss(model(users, items), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 2

    model.eval()
    prediction = model(torch.tensor([0, 1, 2, 0]), torch.arange(4))
    assert prediction.shape == (4,)
    assert torch.isfinite(prediction).all()


def test_tags_head_without_features_names_provider(
    tag_context: FeatureContext,
) -> None:
    with pytest.raises(ConfigError, match="--plugin tags"):
        build_tags(TagsHeadParams(), shape=_shape(tag_context), features={})


def test_genres_tags_head_without_genres_names_plugin(
    tag_context: FeatureContext,
) -> None:
    with pytest.raises(ConfigError, match="--plugin genres"):
        build_genres_tags(
            GenresTagsHeadParams(),
            shape=_shape(tag_context),
            features=_tag_tensors(tag_context),
        )


def test_tag_features_of_other_dataset_are_rejected(
    tag_context: FeatureContext,
) -> None:
    shape = ModelShape(n_users=3, n_items=9, mean_rating=0.7)
    with pytest.raises(ConfigError, match="9 items"):
        build_tags(TagsHeadParams(), shape=shape, features=_tag_tensors(tag_context))


def test_rebuilt_genres_tags_head_predicts_the_same(
    tag_context: FeatureContext,
) -> None:
    tensors = _all_tensors(tag_context)
    shape = _shape(tag_context)
    model = build_genres_tags(GenresTagsHeadParams(), shape=shape, features=tensors)
    saved = {key: value.clone() for key, value in tensors.items()}
    loaded = build_genres_tags(GenresTagsHeadParams(), shape=shape, features=saved)
    loaded.load_state_dict(model.state_dict())

    users = torch.tensor([0, 1, 2])
    items = torch.tensor([1, 2, 3])
    torch.testing.assert_close(loaded.eval()(users, items), model.eval()(users, items))
