from __future__ import annotations

import pandas as pd
import torch
from ncfkit.components import FeatureContext
from ncfkit.params import NoParams

from ncfkit_genres.features import COUNT, INDEX, OFFSETS, build, genre_vocabulary


def _item_genres(tensors: dict[str, torch.Tensor], item: int) -> list[int]:
    offsets = tensors[OFFSETS].tolist() + [len(tensors[INDEX])]
    return tensors[INDEX][offsets[item] : offsets[item + 1]].tolist()


def test_vocabulary_is_sorted_and_distinct() -> None:
    genres = pd.Series([("Drama", "Comedy"), (), ("Drama",)])
    assert genre_vocabulary(genres) == ["Comedy", "Drama"]


def test_vocabulary_covers_whole_item_table(genre_context: FeatureContext) -> None:
    tensors = build(NoParams()).fit(genre_context)
    # Comedy, Drama, Musical, Western: Musical is on an item no user rated.
    assert tensors[COUNT].tolist() == [4]


def test_items_follow_dense_item_order(genre_context: FeatureContext) -> None:
    tensors = build(NoParams()).fit(genre_context)
    vocabulary = ["Comedy", "Drama", "Musical", "Western"]
    item_ids = genre_context.id_map.item_ids.tolist()
    expected = {
        10: ["Comedy", "Drama"],
        20: ["Drama"],
        30: [],
        40: ["Comedy"],
        50: ["Western", "Drama"],
    }
    assert len(tensors[OFFSETS]) == genre_context.id_map.n_items
    for index, item_id in enumerate(item_ids):
        found = [vocabulary[g] for g in _item_genres(tensors, index)]
        assert found == expected[item_id], item_id


def test_genre_only_on_held_out_item_is_indexed(
    genre_context: FeatureContext,
) -> None:
    tensors = build(NoParams()).fit(genre_context)
    western_item = genre_context.id_map.item_index([50])[0]
    assert 3 in _item_genres(tensors, western_item)


def test_rated_item_missing_from_item_table_has_no_genres(
    genre_context: FeatureContext,
) -> None:
    items = genre_context.dataset.items
    genre_context.dataset.items = items[items["item_id"] != 40]
    tensors = build(NoParams()).fit(genre_context)
    item = genre_context.id_map.item_index([40])[0]
    assert _item_genres(tensors, item) == []


def test_tensors_have_embedding_bag_dtypes(genre_context: FeatureContext) -> None:
    tensors = build(NoParams()).fit(genre_context)
    assert set(tensors) == {INDEX, OFFSETS, COUNT}
    assert all(t.dtype == torch.int64 for t in tensors.values())
    assert int(tensors[OFFSETS][0]) == 0
