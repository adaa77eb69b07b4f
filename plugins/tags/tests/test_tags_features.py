from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from ncfkit.components import FeatureContext
from ncfkit.errors import ConfigError
from ncfkit.params import build_params

from ncfkit_tags.features import (
    HAS_TAGS,
    VECTORS,
    TagsParams,
    build,
    normalise_tag,
    train_side_tags,
)


def _has_tags(context: FeatureContext, tensors: dict[str, torch.Tensor]) -> dict:
    return {
        int(item_id): bool(tensors[HAS_TAGS][index])
        for index, item_id in enumerate(context.id_map.item_ids)
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Dark  Comedy", "dark comedy"),
        ("  slow\tburn \n", "slow burn"),
        ("BORING", "boring"),
        ("   ", ""),
    ],
)
def test_normalise_tag(raw: str, expected: str) -> None:
    assert normalise_tag(raw) == expected


def test_only_train_pairs_are_kept(tag_context: FeatureContext) -> None:
    kept = train_side_tags(tag_context, time_cutoff=False)
    item_index = dict(zip(tag_context.id_map.item_ids, range(4), strict=True))
    by_item = kept.groupby("item_index")["tag"].agg(sorted).to_dict()
    assert by_item == {
        item_index[10]: ["dark comedy", "dark comedy"],
        item_index[20]: ["slow", "slow burn"],
    }


def test_time_cutoff_drops_later_tags(tag_context: FeatureContext) -> None:
    # User 3's last train rating is at 600, so the tag at 550 stays; user 1's is at
    # 200, so a tag of user 1 on item 10 made at 250 must go.
    tags = tag_context.dataset.tags
    tag_context.dataset.tags = tags.assign(
        timestamp=np.where(
            tags["user_id"].eq(1) & tags["item_id"].eq(10), 250, tags["timestamp"]
        )
    )
    kept = train_side_tags(tag_context, time_cutoff=True)
    item_10 = int(tag_context.id_map.item_index([10])[0])
    assert len(kept[kept["item_index"] == item_10]) == 1
    assert len(train_side_tags(tag_context, time_cutoff=False)) == 4


def test_items_without_train_tags_get_zero_vectors(
    tag_context: FeatureContext,
) -> None:
    tensors = build(TagsParams(dim=4, min_df=1)).fit(tag_context)
    assert _has_tags(tag_context, tensors) == {10: True, 20: True, 30: False, 40: False}
    vectors = tensors[VECTORS]
    assert vectors.shape == (4, 4)
    assert vectors.dtype == torch.float32
    for item_id in (30, 40):
        index = int(tag_context.id_map.item_index([item_id])[0])
        assert torch.count_nonzero(vectors[index]) == 0


def test_tagged_items_get_nonzero_vectors(tag_context: FeatureContext) -> None:
    tensors = build(TagsParams(dim=4, min_df=1)).fit(tag_context)
    for item_id in (10, 20):
        index = int(tag_context.id_map.item_index([item_id])[0])
        assert torch.linalg.vector_norm(tensors[VECTORS][index]) > 0


def test_min_df_removing_every_term_leaves_no_tags(
    tag_context: FeatureContext,
) -> None:
    # Every tag is on a single item, so min_df=2 keeps no term at all.
    tensors = build(TagsParams(dim=4, min_df=2)).fit(tag_context)
    assert not tensors[HAS_TAGS].any()
    assert torch.count_nonzero(tensors[VECTORS]) == 0


def test_word_terms_share_words_across_tags(tag_context: FeatureContext) -> None:
    # With user 3's "Slow Motion" on item 10, every whole tag is on one item only,
    # but the word "slow" is on items 10 and 20.
    tags = tag_context.dataset.tags
    extra = pd.DataFrame(
        {"user_id": [3], "item_id": [10], "tag": ["Slow Motion"], "timestamp": [560]}
    )
    tag_context.dataset.tags = pd.concat([tags, extra], ignore_index=True)
    by_word = build(TagsParams(dim=2, min_df=2, terms="word")).fit(tag_context)
    by_tag = build(TagsParams(dim=2, min_df=2, terms="tag")).fit(tag_context)
    assert _has_tags(tag_context, by_word) == {
        10: True,
        20: True,
        30: False,
        40: False,
    }
    assert not by_tag[HAS_TAGS].any()


def test_dataset_without_tags_gives_all_zero(tag_context: FeatureContext) -> None:
    tag_context.dataset.tags = None
    tensors = build(TagsParams(dim=3)).fit(tag_context)
    assert tensors[VECTORS].shape == (4, 3)
    assert not tensors[HAS_TAGS].any()


def test_dim_above_vocabulary_pads_with_zeros(tag_context: FeatureContext) -> None:
    tensors = build(TagsParams(dim=16, min_df=1)).fit(tag_context)
    # Three terms on two items: at most two SVD components carry values.
    assert tensors[VECTORS].shape == (4, 16)
    assert torch.count_nonzero(tensors[VECTORS][:, 2:]) == 0


def test_fit_is_deterministic(tag_context: FeatureContext) -> None:
    first = build(TagsParams(dim=2, min_df=1, seed=3)).fit(tag_context)
    second = build(TagsParams(dim=2, min_df=1, seed=3)).fit(tag_context)
    torch.testing.assert_close(first[VECTORS], second[VECTORS])


def test_params_reject_zero_dim() -> None:
    with pytest.raises(ConfigError, match="dim"):
        build_params(TagsParams, {"dim": "0"}, where="features.tags")
