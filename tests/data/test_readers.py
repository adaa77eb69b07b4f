"""Each MovieLens layout read from small files written in its documented format."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from movielens_files import U_GENRE

from ncfkit.data import load_dataset
from ncfkit.data.download import ML_LATEST_SMALL_SHA256
from ncfkit.data.readers import (
    MovieLens100kReader,
    MovieLensCsvReader,
    MovieLensDatReader,
)
from ncfkit.registry import Registry

RATING_DTYPES = {
    "user_id": np.int64,
    "item_id": np.int64,
    "rating": np.float64,
    "timestamp": np.int64,
}


def load(folder: Path, registry: Registry, data_dir: Path):
    return load_dataset(
        dataset="unused", data=folder, registry=registry, data_dir=data_dir
    )


def genres_of(items: pd.DataFrame, item_id: int) -> tuple[str, ...]:
    return items.set_index("item_id").loc[item_id, "genres"]


def title_of(items: pd.DataFrame, item_id: int) -> str:
    return items.set_index("item_id").loc[item_id, "title"]


def assert_rating_dtypes(ratings: pd.DataFrame) -> None:
    assert list(ratings.columns) == list(RATING_DTYPES)
    for column, dtype in RATING_DTYPES.items():
        assert ratings[column].dtype == dtype, column


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
def test_csv_layout(write_layout, registry, data_dir, crlf: bool) -> None:
    folder = write_layout("csv", crlf=crlf)

    dataset = load(folder, registry, data_dir)

    assert dataset.layout == "movielens-csv"
    assert dataset.name == "dataset"
    assert dataset.path == folder
    assert_rating_dtypes(dataset.ratings)
    assert dataset.ratings["user_id"].tolist() == [1, 1, 2, 2, 3]
    assert dataset.ratings["item_id"].tolist() == [10, 20, 10, 30, 20]
    assert dataset.ratings["rating"].tolist() == [4.0, 3.5, 5.0, 0.5, 2.5]
    assert dataset.ratings["timestamp"].iloc[0] == 964982703
    assert dataset.duplicates_dropped == 0

    assert dataset.items["item_id"].tolist() == [10, 20, 30]
    assert title_of(dataset.items, 20) == "Café, The (2001)"
    assert genres_of(dataset.items, 10) == ("Action", "Crime", "Thriller")
    assert genres_of(dataset.items, 20) == ()

    assert dataset.tags is not None
    assert dataset.tags["tag"].tolist() == ["tense, long", "1920s"]
    assert dataset.tags["user_id"].dtype == np.int64
    assert dataset.tags["timestamp"].tolist() == [1445714994, 1445714996]


def test_csv_checksums_cover_every_file(write_layout, registry, data_dir):
    folder = write_layout("csv", crlf=True)

    dataset = load(folder, registry, data_dir)

    expected = {
        file: hashlib.sha256((folder / file).read_bytes()).hexdigest()
        for file in ("ratings.csv", "movies.csv", "tags.csv", "links.csv")
    }
    assert dataset.checksums == expected


def test_csv_without_movies_and_tags(write_layout, registry, data_dir):
    folder = write_layout("csv", skip=("movies.csv", "tags.csv", "links.csv"))

    dataset = load(folder, registry, data_dir)

    assert dataset.tags is None
    assert sorted(dataset.items["item_id"]) == [10, 20, 30]
    assert set(dataset.items["title"]) == {""}
    assert set(dataset.items["genres"]) == {()}
    assert list(dataset.checksums) == ["ratings.csv"]


def test_csv_rated_item_missing_from_movies(write_layout, registry, data_dir):
    movies = "movieId,title,genres\n10,Heat (1995),Action\n"
    folder = write_layout("csv", movies_csv=movies)

    dataset = load(folder, registry, data_dir)

    assert dataset.items["item_id"].tolist() == [10, 20, 30]
    assert title_of(dataset.items, 10) == "Heat (1995)"
    assert title_of(dataset.items, 30) == ""


def test_csv_with_utf8_bom(write_layout, registry, data_dir):
    folder = write_layout("csv", ratings_csv="\ufeff" + write_ratings_rows())

    dataset = load(folder, registry, data_dir)

    assert len(dataset.ratings) == 2


@pytest.mark.parametrize(
    "separator", [", ", " , ", ",  "], ids=["after", "around", "two-after"]
)
def test_csv_spaces_around_commas(
    write_layout, registry, data_dir, separator: str
) -> None:
    def spaced(text: str) -> str:
        return text.replace(",", separator)

    ratings = "userId,movieId,rating,timestamp\n1,10,4.0,5\n2,20,3.5,6\n"
    movies = "movieId,title,genres\n10,Heat (1995),Action|Crime\n20,TITLE,Drama\n"
    tags = "userId,movieId,tag,timestamp\n1,10,tense,7\n"
    folder = write_layout(
        "csv",
        ratings_csv=spaced(ratings),
        # The quoted title's comma is not a separator, so it keeps its one space.
        movies_csv=spaced(movies).replace("TITLE", '"Café, The"'),
        tags_csv=spaced(tags),
    )

    dataset = load(folder, registry, data_dir)

    assert_rating_dtypes(dataset.ratings)
    assert dataset.ratings["user_id"].tolist() == [1, 2]
    assert dataset.ratings["item_id"].tolist() == [10, 20]
    assert dataset.ratings["rating"].tolist() == [4.0, 3.5]
    assert dataset.ratings["timestamp"].tolist() == [5, 6]
    assert title_of(dataset.items, 10) == "Heat (1995)"
    assert title_of(dataset.items, 20) == "Café, The"
    assert genres_of(dataset.items, 10) == ("Action", "Crime")
    assert genres_of(dataset.items, 20) == ("Drama",)
    assert dataset.tags is not None
    assert dataset.tags["tag"].tolist() == ["tense"]


def test_dat_spaces_around_separators(write_layout, registry, data_dir) -> None:
    folder = write_layout(
        "dat",
        ratings_dat="1 :: 10 :: 5 :: 978300760\n2 :: 20 :: 3 :: 978300761\n",
        movies_dat="10 :: Heat (1995) :: Action | Crime\n20 :: Café :: Comedy\n",
    )

    dataset = load(folder, registry, data_dir)

    assert_rating_dtypes(dataset.ratings)
    assert dataset.ratings["item_id"].tolist() == [10, 20]
    assert dataset.ratings["rating"].tolist() == [5.0, 3.0]
    assert title_of(dataset.items, 10) == "Heat (1995)"
    assert genres_of(dataset.items, 10) == ("Action", "Crime")


def test_off_grid_ratings_warn(
    write_layout, registry, data_dir, caplog: pytest.LogCaptureFixture
) -> None:
    ratings = (
        "userId,movieId,rating,timestamp\n"
        "1,10,4.0,1\n"
        "1,20,3.7,2\n"
        "2,10,4.5,3\n"
        "2,20,1.25,4\n"
    )
    folder = write_layout("csv", ratings_csv=ratings)

    with caplog.at_level(logging.WARNING, logger="ncfkit.data"):
        dataset = load(folder, registry, data_dir)

    assert dataset.ratings["rating"].tolist() == [4.0, 3.7, 4.5, 1.25]
    warnings = [r.getMessage() for r in caplog.records if "half-star" in r.getMessage()]
    assert len(warnings) == 1
    assert "2 ratings" in warnings[0]
    assert "line 3: rating 3.7" in warnings[0]
    assert str(folder / "ratings.csv") in warnings[0]


def test_half_star_ratings_do_not_warn(
    write_layout, registry, data_dir, caplog: pytest.LogCaptureFixture
) -> None:
    folder = write_layout("csv")

    with caplog.at_level(logging.WARNING, logger="ncfkit.data"):
        load(folder, registry, data_dir)

    assert "half-star" not in caplog.text


def write_ratings_rows() -> str:
    return "userId,movieId,rating,timestamp\n1,10,4.0,1\n2,10,3.0,2\n"


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
def test_dat_layout(write_layout, registry, data_dir, crlf: bool) -> None:
    folder = write_layout("dat", crlf=crlf)

    dataset = load(folder, registry, data_dir)

    assert dataset.layout == "movielens-dat"
    assert_rating_dtypes(dataset.ratings)
    assert dataset.ratings["user_id"].tolist() == [1, 1, 2, 2]
    assert dataset.ratings["rating"].tolist() == [5.0, 3.0, 4.0, 1.0]
    assert dataset.ratings["timestamp"].tolist()[-1] == 978300275
    assert title_of(dataset.items, 10) == "Star Wars: Episode IV - A New Hope (1977)"
    assert title_of(dataset.items, 20) == "Café au lait (1993)"
    assert genres_of(dataset.items, 10) == ("Action", "Adventure", "Sci-Fi")
    assert genres_of(dataset.items, 30) == ()
    assert dataset.tags is not None
    assert dataset.tags["tag"].tolist() == ["space opera", "bad"]
    assert dataset.tags["timestamp"].tolist() == [1188263867, 1188263880]
    assert sorted(dataset.checksums) == ["movies.dat", "ratings.dat", "tags.dat"]


def test_dat_layout_ignores_users_file(write_layout, registry, data_dir):
    folder = write_layout("dat", skip=("tags.dat",))
    (folder / "users.dat").write_text("1::F::1::10::48067\n", encoding="latin-1")

    dataset = load(folder, registry, data_dir)

    assert dataset.tags is None
    assert "users.dat" not in dataset.checksums
    assert len(dataset.ratings) == 4


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
def test_100k_layout(write_layout, registry, data_dir, crlf: bool) -> None:
    folder = write_layout("100k", crlf=crlf)

    dataset = load(folder, registry, data_dir)

    assert dataset.layout == "movielens-100k"
    assert_rating_dtypes(dataset.ratings)
    assert dataset.ratings["user_id"].tolist() == [196, 186, 196]
    assert dataset.ratings["item_id"].tolist() == [242, 302, 302]
    assert dataset.ratings["rating"].tolist() == [3.0, 3.0, 1.0]
    assert dataset.tags is None
    assert title_of(dataset.items, 303) == "Café Flesh (1982)"
    assert genres_of(dataset.items, 242) == ("Comedy",)
    expected = ("Crime", "Film-Noir", "Mystery", "Thriller")
    assert genres_of(dataset.items, 302) == expected
    # Only the "unknown" flag is set, which means no genre.
    assert genres_of(dataset.items, 303) == ()
    assert sorted(dataset.checksums) == ["u.data", "u.genre", "u.item"]


def test_100k_genre_names_from_u_genre(write_layout, registry, data_dir):
    folder = write_layout("100k", u_genre=U_GENRE.replace("Comedy|5", "Funny|5"))

    dataset = load(folder, registry, data_dir)

    assert genres_of(dataset.items, 242) == ("Funny",)


def test_100k_without_u_genre_uses_documented_names(write_layout, registry, data_dir):
    folder = write_layout("100k", skip=("u.genre",))

    dataset = load(folder, registry, data_dir)

    expected = ("Crime", "Film-Noir", "Mystery", "Thriller")
    assert genres_of(dataset.items, 302) == expected


def test_duplicates_keep_latest_rating(
    write_layout, registry, data_dir, caplog: pytest.LogCaptureFixture
):
    ratings = (
        "userId,movieId,rating,timestamp\n"
        "1,10,3.0,1000\n"
        "2,10,1.0,1000\n"
        "1,10,4.5,3000\n"
        "1,20,2.0,1000\n"
        "1,10,2.0,2000\n"
        "2,10,5.0,1000\n"
    )
    folder = write_layout("csv", ratings_csv=ratings)

    with caplog.at_level(logging.WARNING, logger="ncfkit.data"):
        dataset = load(folder, registry, data_dir)

    assert dataset.duplicates_dropped == 3
    kept = dataset.ratings
    assert kept.index.tolist() == [0, 1, 2]
    # Rows stay in file order; among equal timestamps the later row wins.
    assert kept["user_id"].tolist() == [1, 1, 2]
    assert kept["item_id"].tolist() == [10, 20, 10]
    assert kept["rating"].tolist() == [4.5, 2.0, 5.0]
    assert "dropped 3 duplicate" in caplog.text


def test_readers_detect_only_their_layout(write_layout) -> None:
    layouts = ("csv", "dat", "100k")
    folders = {layout: write_layout(layout, layout) for layout in layouts}
    readers = {
        "csv": MovieLensCsvReader(),
        "dat": MovieLensDatReader(),
        "100k": MovieLens100kReader(),
    }

    for reader_layout, reader in readers.items():
        for folder_layout, folder in folders.items():
            detected = reader.detect(folder)
            assert detected == (reader_layout == folder_layout), (reader, folder)


def test_real_ml_latest_small(ml_latest_small: Path, registry, data_dir) -> None:
    dataset = load(ml_latest_small, registry, data_dir)

    assert len(dataset.ratings) == 100_836
    assert dataset.ratings["user_id"].nunique() == 610
    assert len(dataset.items) == 9_742
    assert dataset.duplicates_dropped == 0
    assert dataset.checksums == ML_LATEST_SMALL_SHA256
    assert dataset.tags is not None
    assert len(dataset.tags) == 3_683
    assert_rating_dtypes(dataset.ratings)
    assert dataset.ratings["rating"].between(0.5, 5.0).all()
