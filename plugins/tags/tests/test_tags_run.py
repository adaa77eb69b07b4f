"""The genres-tags head end to end on the real ml-latest-small."""

from __future__ import annotations

from pathlib import Path

import ncfkit_genres
import numpy as np
import pandas as pd
import pytest
from ncfkit.config import apply_overrides, default_raw_config, resolve_config
from ncfkit.engine import RunResult, execute_run
from ncfkit.registry import load_registry
from ncfkit.runs.checkpoint import load_checkpoint
from safetensors.torch import load_file

import ncfkit_tags


@pytest.fixture(scope="module")
def data(ml_latest_small: Path) -> Path:
    assert (ml_latest_small / "tags.csv").is_file()
    return ml_latest_small


@pytest.fixture(scope="module")
def genres_tags_run(data: Path, tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    registry = load_registry(entry_points=False)
    assert registry.add_plugin(ncfkit_genres, "genres").error is None
    assert registry.add_plugin(ncfkit_tags, "tags").error is None
    raw = apply_overrides(
        default_raw_config(),
        [
            "plugins=genres,tags",
            "head=genres-tags",
            f"data={data}",
            "training.epochs=3",
            "training.device=cpu",
        ],
    )
    config = resolve_config(raw, registry=registry)
    return execute_run(
        config, registry=registry, runs_dir=tmp_path_factory.mktemp("runs")
    )


def test_genres_tags_run_on_real_data(genres_tags_run: RunResult) -> None:
    assert genres_tags_run.status == "completed"
    # The reference mlp scored about 1.0 stars after two epochs; far above that
    # after three means the extra inputs broke training.
    assert genres_tags_run.metrics["rmse"] < 1.05


def test_only_train_pair_tags_shape_features(
    genres_tags_run: RunResult, data: Path
) -> None:
    checkpoint = load_checkpoint(genres_tags_run.run_dir / "checkpoints" / "best.json")
    features = checkpoint.section("features")
    assert {"genres.index", "tags.vectors", "tags.has_tags"} <= set(features)
    has_tags = features["tags.has_tags"].numpy()
    item_ids = np.asarray(checkpoint.sidecar["id_map"]["item_ids"])
    assert has_tags.shape == item_ids.shape

    # Independently: items that carry a tag on one of the run's train pairs.
    saved = load_file(genres_tags_run.run_dir / "interactions.safetensors")
    user_ids = np.asarray(checkpoint.sidecar["id_map"]["user_ids"])
    pairs = pd.DataFrame(
        {
            "userId": user_ids[saved["train.user_index"].numpy()],
            "movieId": item_ids[saved["train.item_index"].numpy()],
        }
    )
    tags = pd.read_csv(data / "tags.csv")
    tagged = set(tags.merge(pairs, on=["userId", "movieId"])["movieId"])
    assert set(item_ids[has_tags]) <= tagged
    assert has_tags.sum() > 0
