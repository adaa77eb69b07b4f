"""Readers for the MovieLens folder layouts, registered as built-in components.

- `movielens-csv`: ratings.csv, movies.csv, tags.csv, links.csv (ml-latest-small,
  ml-latest, ml-25m, ml-32m). UTF-8 with a header line. Spaces after the commas,
  as some spreadsheet exports write them, are skipped when the header has them.
- `movielens-dat`: '::'-separated ratings.dat, movies.dat, tags.dat without a header
  (ml-1m, ml-10m). Latin-1. ml-1m's users.dat is not read.
- `movielens-100k`: tab-separated u.data, '|'-separated u.item with 19 genre flags
  and u.genre (ml-100k). Latin-1, no header.

Only the ratings file is required; without the movies file the items have empty
titles and no genres. User and movie ids must be integers of at least 1. Titles,
genres and tags lose surrounding spaces. Each reader drops duplicate (user, item)
ratings, keeping the latest by timestamp, and records the SHA-256 of each layout
file present.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ncfkit.components import Component, Dataset
from ncfkit.data import checks
from ncfkit.errors import DataError
from ncfkit.hookspecs import hookimpl
from ncfkit.params import NoParams

logger = logging.getLogger(__name__)

NO_GENRES = "(no genres listed)"
# The genre flags of u.item in order, as documented in ml-100k's README; u.genre,
# when present, takes precedence. The "unknown" flag means no genre.
ML_100K_GENRES = (
    "unknown",
    "Action",
    "Adventure",
    "Animation",
    "Children's",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
)
RATING_COLUMNS = {
    "user_id": "user_id",
    "item_id": "item_id",
    "rating": "rating",
    "timestamp": "timestamp",
}


@dataclass(frozen=True)
class MovieLensCsvReader:
    """The CSV layout of ml-latest-small, ml-latest, ml-25m and ml-32m."""

    layout: str = "movielens-csv"
    files: tuple[str, ...] = ("ratings.csv", "movies.csv", "tags.csv", "links.csv")
    expected: str = "ratings.csv, optionally movies.csv, tags.csv, links.csv"
    encoding: str = "utf-8"

    def detect(self, path: Path) -> bool:
        return _has_any(path, ("ratings.csv", "movies.csv"))

    def read(self, path: Path, *, name: str) -> Dataset:
        ratings_path = _require(path, "ratings.csv", self.layout)
        raw = self._read_csv(ratings_path, ("userId", "movieId", "rating", "timestamp"))
        ratings = checks.ratings_frame(
            raw,
            path=ratings_path,
            columns={
                "user_id": "userId",
                "item_id": "movieId",
                "rating": "rating",
                "timestamp": "timestamp",
            },
            first_row_line=2,
        )

        items = None
        movies_path = path / "movies.csv"
        if movies_path.is_file():
            movies = self._read_csv(
                movies_path, ("movieId", "title", "genres"), dtype=str
            )
            items = _items_frame(
                movies["movieId"],
                movies["title"],
                _split_genres(movies["genres"]),
                path=movies_path,
                first_row_line=2,
            )

        tags = None
        tags_path = path / "tags.csv"
        if tags_path.is_file():
            columns = ("userId", "movieId", "tag", "timestamp")
            raw_tags = self._read_csv(tags_path, columns, dtype={"tag": str})
            tags = _tags_frame(raw_tags, columns, path=tags_path, first_row_line=2)

        return _finish(self, path, name, ratings_path, ratings, items, tags)

    def _read_csv(
        self, path: Path, required: Sequence[str], dtype: object = None
    ) -> pd.DataFrame:
        """Read the `required` columns of a CSV file after checking its header."""
        fields = _csv_header_fields(path, required, encoding=self.encoding)

        # All columns are read, not just `required`: with usecols pandas would
        # silently drop the surplus fields of a malformed row.
        table = checks.read_table(
            path,
            separator=",",
            encoding=self.encoding,
            dtype=dtype,  # type: ignore[arg-type]
            # A header written as "userId, movieId" means the rows have the spaces
            # too, and titles and tags must not keep them.
            skip_initial_space=any(field[:1].isspace() for field in fields[1:]),
        )

        # The header check ignores spaces around names, so pandas' names are
        # stripped the same way.
        table.columns = [str(column).strip() for column in table.columns]
        return table[list(required)]


@dataclass(frozen=True)
class MovieLensDatReader:
    """The '::'-separated layout of ml-1m and ml-10m."""

    layout: str = "movielens-dat"
    files: tuple[str, ...] = ("ratings.dat", "movies.dat", "tags.dat")
    expected: str = "ratings.dat, optionally movies.dat, tags.dat"
    encoding: str = "latin-1"

    def detect(self, path: Path) -> bool:
        return _has_any(path, ("ratings.dat", "movies.dat"))

    def read(self, path: Path, *, name: str) -> Dataset:
        ratings_path = _require(path, "ratings.dat", self.layout)
        columns = ("user_id", "item_id", "rating", "timestamp")
        raw = self._read_dat(ratings_path, columns)
        ratings = checks.ratings_frame(
            raw, path=ratings_path, columns=RATING_COLUMNS, first_row_line=1
        )

        items = None
        movies_path = path / "movies.dat"
        if movies_path.is_file():
            movies = self._read_dat(movies_path, ("item_id", "title", "genres"))
            items = _items_frame(
                movies["item_id"],
                movies["title"],
                _split_genres(movies["genres"]),
                path=movies_path,
                first_row_line=1,
            )

        tags = None
        tags_path = path / "tags.dat"
        if tags_path.is_file():
            raw_tags = self._read_dat(
                tags_path, ("user_id", "item_id", "tag", "timestamp")
            )
            tags = _tags_frame(
                raw_tags, tuple(raw_tags.columns), path=tags_path, first_row_line=1
            )

        return _finish(self, path, name, ratings_path, ratings, items, tags)

    def _read_dat(self, path: Path, names: Sequence[str]) -> pd.DataFrame:
        checks.check_separator(
            path, separator="::", encoding=self.encoding, layout=self.layout
        )
        return checks.read_table(
            path,
            separator="::",
            encoding=self.encoding,
            names=list(names),
            dtype={name: str for name in names if name in ("title", "genres", "tag")},
            quoted=False,
        )


@dataclass(frozen=True)
class MovieLens100kReader:
    """The ml-100k layout: u.data, u.item and u.genre."""

    layout: str = "movielens-100k"
    files: tuple[str, ...] = ("u.data", "u.item", "u.genre")
    expected: str = "u.data, optionally u.item, u.genre"
    encoding: str = "latin-1"

    def detect(self, path: Path) -> bool:
        return _has_any(path, ("u.data", "u.item"))

    def read(self, path: Path, *, name: str) -> Dataset:
        ratings_path = _require(path, "u.data", self.layout)
        checks.check_separator(
            ratings_path, separator="\t", encoding=self.encoding, layout=self.layout
        )
        raw = checks.read_table(
            ratings_path,
            separator="\t",
            encoding=self.encoding,
            names=list(RATING_COLUMNS),
            quoted=False,
        )
        ratings = checks.ratings_frame(
            raw, path=ratings_path, columns=RATING_COLUMNS, first_row_line=1
        )

        items = None
        item_path = path / "u.item"
        if item_path.is_file():
            items = self._read_items(item_path, self._genre_names(path))
        return _finish(self, path, name, ratings_path, ratings, items, None)

    def _genre_names(self, path: Path) -> tuple[str, ...]:
        genre_path = path / "u.genre"
        if not genre_path.is_file():
            return ML_100K_GENRES
        # Lines are "name|index"; the trailing blank lines of the original are skipped.
        text = genre_path.read_text(encoding=self.encoding)
        pairs = [line.rsplit("|", 1) for line in text.splitlines() if line.strip()]
        try:
            by_index = {int(index): genre for genre, index in pairs}
        except ValueError:
            raise DataError(
                f"{genre_path}: expected lines 'genre|index' such as 'Action|1'; "
                "fix the file or delete it to use the documented genres"
            ) from None
        if sorted(by_index) != list(range(len(ML_100K_GENRES))):
            raise DataError(
                f"{genre_path} lists genre indices {sorted(by_index)}, expected 0 to "
                f"{len(ML_100K_GENRES) - 1}; fix the file or delete it to use the "
                "documented genres"
            )
        return tuple(by_index[index] for index in range(len(ML_100K_GENRES)))

    def _read_items(self, path: Path, genres: tuple[str, ...]) -> pd.DataFrame:
        checks.check_separator(
            path, separator="|", encoding=self.encoding, layout=self.layout
        )
        # movie id | title | release date | video release date | IMDb URL | 19 flags
        flag_columns = [f"flag_{index}" for index in range(len(genres))]
        names = ["item_id", "title", "release", "video_release", "url", *flag_columns]
        raw = checks.read_table(
            path,
            separator="|",
            encoding=self.encoding,
            names=names,
            dtype={"title": str, "release": str, "video_release": str, "url": str},
            quoted=False,
        )
        flags = raw[flag_columns].apply(pd.to_numeric, errors="coerce")
        invalid = (flags.isna() | ~flags.isin([0, 1])).any(axis=1).to_numpy()
        if invalid.any():
            row = int(np.argmax(invalid))
            raise DataError(
                f"{path}: line {row + 1} does not end in {len(genres)} genre flags "
                f"of 0 or 1 after the id, title, release date, video release date "
                f"and URL; fix or remove that line"
            )
        labels = np.array(genres, dtype=object)
        # The first flag is "unknown", which means no genre.
        is_set = flags.to_numpy(dtype=np.int64)[:, 1:] == 1
        item_genres = [tuple(labels[1:][row]) for row in is_set]
        return _items_frame(
            raw["item_id"], raw["title"], item_genres, path=path, first_row_line=1
        )


Reader = MovieLensCsvReader | MovieLensDatReader | MovieLens100kReader


@hookimpl
def register_readers() -> list[Component]:
    return [
        Component(
            name="movielens-csv",
            description="MovieLens CSV layout: ratings.csv (required), movies.csv, "
            "tags.csv, links.csv",
            factory=lambda params: MovieLensCsvReader(),
            params=NoParams,
        ),
        Component(
            name="movielens-dat",
            description="MovieLens '::' layout of ml-1m and ml-10m: ratings.dat "
            "(required), movies.dat, tags.dat",
            factory=lambda params: MovieLensDatReader(),
            params=NoParams,
        ),
        Component(
            name="movielens-100k",
            description="MovieLens ml-100k layout: u.data (required), u.item, u.genre",
            factory=lambda params: MovieLens100kReader(),
            params=NoParams,
        ),
    ]


def _has_any(path: Path, files: Sequence[str]) -> bool:
    return any((path / file).is_file() for file in files)


def _require(path: Path, file: str, layout: str) -> Path:
    target = path / file
    if not target.is_file():
        raise DataError(
            f"{target} not found: the {layout} layout needs its ratings in {file}; "
            "restore it from the dataset's zip"
        )
    return target


def _csv_header_fields(
    path: Path, required: Sequence[str], *, encoding: str
) -> list[str]:
    """Split a CSV header line, checking that it names each required column once."""
    header = checks.first_line(path, encoding="utf-8-sig")
    if not header.strip():
        raise DataError(
            f"{path} is empty or starts with a blank line: the first line must "
            f"be the header {','.join(required)}"
        )
    if "\ufffd" in header:
        raise checks.encoding_error(path, encoding=encoding)

    fields = header.split(",")
    found = [field.strip().strip('"') for field in fields]
    missing = [column for column in required if column not in found]
    if missing:
        raise DataError(
            _missing_columns_message(path, header, found, missing, required)
        )
    repeated = [column for column in required if found.count(column) > 1]
    if repeated:
        raise DataError(
            f"{path}: the header names the column {repeated[0]} more than once "
            f"(found: {_shown_names(found)}); keep one of them"
        )
    return fields


def _missing_columns_message(
    path: Path,
    header: str,
    found: list[str],
    missing: list[str],
    required: Sequence[str],
) -> str:
    message = (
        f"{path} is missing the column(s) {', '.join(missing)} "
        f"(found: {_shown_names(found)})"
    )
    separator = checks.guess_separator(header, expected=",")
    if len(found) == 1 and separator is not None:
        return (
            f"{message}: the file looks separated by "
            f"{checks.describe_separator(separator)}, but MovieLens .csv files are "
            "comma-separated; re-save it with commas"
        )
    return f"{message}; the first line must be a header such as {','.join(required)}"


def _shown_names(names: list[str]) -> str:
    return ", ".join(checks.printable(name) for name in names) or "none"


def _split_genres(values: pd.Series) -> list[tuple[str, ...]]:
    # One Python step per item, not per rating: ml-32m has about 87,000 items.
    genres = []
    for text in values.fillna("").astype(str):
        names = (genre.strip() for genre in text.split("|"))
        genres.append(tuple(name for name in names if name and name != NO_GENRES))
    return genres


def _items_frame(
    item_ids: pd.Series,
    titles: pd.Series,
    genres: list[tuple[str, ...]],
    *,
    path: Path,
    first_row_line: int,
) -> pd.DataFrame:
    items = pd.DataFrame(
        {
            "item_id": checks.id_column(
                item_ids, path=path, column="movie id", first_row_line=first_row_line
            ),
            "title": titles.fillna("").astype(str).str.strip(),
            "genres": pd.Series(genres, index=item_ids.index, dtype=object),
        }
    )
    repeated = items["item_id"].duplicated()
    if repeated.any():
        logger.warning(
            "%s: %d repeated movie ids, kept the first of each", path, repeated.sum()
        )
        items = items.loc[~repeated].reset_index(drop=True)
    return items


def _tags_frame(
    raw: pd.DataFrame, columns: Sequence[str], *, path: Path, first_row_line: int
) -> pd.DataFrame:
    user, item, tag, timestamp = columns
    where = {"path": path, "first_row_line": first_row_line}
    return pd.DataFrame(
        {
            "user_id": checks.id_column(raw[user], column=user, **where),
            "item_id": checks.id_column(raw[item], column=item, **where),
            "tag": raw[tag].fillna("").astype(str).str.strip(),
            "timestamp": checks.integer_column(
                raw[timestamp], column=timestamp, **where
            ),
        }
    )


def _finish(
    reader: Reader,
    path: Path,
    name: str,
    ratings_path: Path,
    ratings: pd.DataFrame,
    items: pd.DataFrame | None,
    tags: pd.DataFrame | None,
) -> Dataset:
    """Drop duplicate ratings, complete the items and record the checksums."""
    ratings, dropped = checks.drop_duplicate_ratings(ratings, path=ratings_path)
    items = _complete_items(items, ratings, path=path)
    checksums = {
        file: checks.sha256_file(path / file)
        for file in reader.files
        if (path / file).is_file()
    }
    logger.info(
        "%s: read %d ratings by %d users of %d items (%s layout)",
        path,
        len(ratings),
        ratings["user_id"].nunique(),
        ratings["item_id"].nunique(),
        reader.layout,
    )
    return Dataset(
        name=name,
        path=path,
        layout=reader.layout,
        ratings=ratings,
        items=items,
        tags=tags,
        checksums=checksums,
        duplicates_dropped=dropped,
    )


def _complete_items(
    items: pd.DataFrame | None, ratings: pd.DataFrame, *, path: Path
) -> pd.DataFrame:
    """Add the rated items that have no movie entry, with no title and no genres."""
    rated = pd.unique(ratings["item_id"])
    known = items["item_id"].to_numpy() if items is not None else np.empty(0, np.int64)
    unlisted = np.sort(rated[~np.isin(rated, known)])
    if items is not None and len(unlisted):
        logger.warning(
            "%s: %d rated items have no movie entry; they get empty titles",
            path,
            len(unlisted),
        )
    extra = pd.DataFrame(
        {
            "item_id": unlisted.astype(np.int64),
            "title": pd.Series([""] * len(unlisted), dtype=str),
            "genres": pd.Series([()] * len(unlisted), dtype=object),
        }
    )
    if items is None:
        return extra
    if extra.empty:
        return items
    return pd.concat([items, extra], ignore_index=True)
