"""Generated MovieLens data for the tests; the real data fixtures are in the
repository's root conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest


def write_movielens_csv(
    folder: Path,
    *,
    n_users: int = 40,
    n_items: int = 60,
    per_user: int = 25,
    seed: int = 0,
) -> Path:
    """Write a small ml-latest-small-like folder with learnable structure.

    Each user and item gets a latent factor. Ratings are their product mapped to
    0.5-5 stars in half steps, so a model can beat the mean.
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    user_factor = rng.normal(size=(n_users, 3))
    item_factor = rng.normal(size=(n_items, 3))
    rows = []
    for user in range(n_users):
        items = rng.choice(n_items, size=min(per_user, n_items), replace=False)
        for item in items:
            score = 3.0 + user_factor[user] @ item_factor[item] * 0.8
            rating = float(np.clip(np.round(score * 2) / 2, 0.5, 5.0))
            timestamp = 1_000_000_000 + user * 10_000 + int(item) * 7
            rows.append((user + 1, int(item) + 1, rating, timestamp))
    ratings = pd.DataFrame(rows, columns=["userId", "movieId", "rating", "timestamp"])
    ratings.to_csv(folder / "ratings.csv", index=False)
    genres = ["Action", "Comedy", "Drama", "Horror", "Romance"]
    movies = pd.DataFrame(
        {
            "movieId": np.arange(1, n_items + 1),
            "title": [f"Movie {i} (2000)" for i in range(1, n_items + 1)],
            "genres": [
                "|".join(rng.choice(genres, size=1 + i % 2, replace=False))
                if i % 7
                else "(no genres listed)"
                for i in range(n_items)
            ],
        }
    )
    movies.to_csv(folder / "movies.csv", index=False)
    return folder


@pytest.fixture
def small_movielens(tmp_path: Path) -> Path:
    """A generated MovieLens CSV folder: 40 users, 60 movies, 25 ratings each."""
    return write_movielens_csv(tmp_path / "small-movielens")
