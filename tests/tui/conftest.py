"""Fixtures of the TUI tests: a small MovieLens-like dataset and a config for it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ncfkit.config import default_raw_config
from ncfkit.registry import Registry, load_registry

N_USERS = 40
N_MOVIES = 60
RATINGS_PER_USER = 30


def write_movielens(folder: Path, *, seed: int = 0) -> Path:
    """Write ratings.csv and movies.csv in the ml-latest-small layout."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["userId,movieId,rating,timestamp"]
    for user in range(1, N_USERS + 1):
        movies = rng.choice(np.arange(1, N_MOVIES + 1), RATINGS_PER_USER, replace=False)
        for movie in sorted(movies):
            rating = rng.integers(1, 11) / 2
            timestamp = 1_000_000_000 + user * 1000 + int(movie)
            lines.append(f"{user},{movie},{rating:.1f},{timestamp}")
    (folder / "ratings.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    movies = ["movieId,title,genres"]
    genres = ("Action", "Comedy", "Drama", "Romance")
    for movie in range(1, N_MOVIES + 1):
        movies.append(f"{movie},Movie {movie} (2000),{genres[movie % len(genres)]}")
    (folder / "movies.csv").write_text("\n".join(movies) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def small_dataset(tmp_path: Path) -> Path:
    return write_movielens(tmp_path / "small-movielens")


@pytest.fixture
def empty_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory without any dataset, so nothing is found by name."""
    folder = tmp_path / "no-data"
    folder.mkdir()
    monkeypatch.setenv("NCFKIT_DATA_DIR", str(folder))
    # A download must never reach the internet from a test.
    monkeypatch.setenv("NCFKIT_DOWNLOAD_URL", "http://127.0.0.1:9/none")
    return folder


@pytest.fixture
def registry() -> Registry:
    return load_registry(entry_points=False)


@pytest.fixture
def small_raw_config(small_dataset: Path) -> dict:
    """The defaults on the small dataset, with few epochs and small batches."""
    raw = default_raw_config()
    raw["data"] = str(small_dataset)
    raw["training"] = {"epochs": 4, "batch_size": 64}
    return raw
