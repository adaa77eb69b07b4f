"""Checks shared by the readers: parsing text tables, validating ratings, checksums.

Every problem found here raises `DataError` with one line that names the file, the
line or column, the offending value and what to do about it. The checks work on
whole columns, so that they stay fast on ml-25m's 25 million ratings.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ncfkit.errors import DataError

logger = logging.getLogger(__name__)

RATING_MIN = 0.5
RATING_MAX = 5.0
# Separators a user's edited or exported file may use instead of the expected one.
_LIKELY_SEPARATORS = {
    "::": "'::'",
    ";": "';'",
    "\t": "tab",
    "|": "'|'",
    ",": "','",
    " ": "space",
}


def sha256_file(path: Path) -> str:
    """Return the hex SHA-256 of a file's bytes."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def describe_separator(separator: str) -> str:
    return _LIKELY_SEPARATORS.get(separator, repr(separator))


def guess_separator(line: str, *, expected: str) -> str | None:
    """Return the likely separator of `line` when it is not `expected`, else None."""
    if expected in line:
        return None
    for separator in _LIKELY_SEPARATORS:
        if separator != expected and separator in line:
            return separator
    return None


def read_table(
    path: Path,
    *,
    separator: str,
    encoding: str,
    names: Sequence[str] | None = None,
    usecols: Sequence[str] | Sequence[int] | None = None,
    dtype: dict[str, Any] | None = None,
    quoted: bool = True,
) -> pd.DataFrame:
    """Read a delimited text file with pandas' C parser, raising DataError on failure.

    A multi-character separator such as MovieLens' '::' is replaced by a control
    character in memory first, because the C parser only splits on one character
    and the Python parser is far too slow for millions of rows.
    """
    check_encoding(path, encoding=encoding)
    source: Path | io.BytesIO = path
    if len(separator) > 1:
        source = io.BytesIO(path.read_bytes().replace(separator.encode(), b"\x1f"))
        separator = "\x1f"
    try:
        return pd.read_csv(
            source,
            sep=separator,
            header=None if names is not None else "infer",
            names=names,
            # Without this, pandas turns the first column into the index when the
            # first data row has one field more than the header.
            index_col=False,
            usecols=usecols,
            dtype=dtype,
            encoding=encoding,
            quoting=csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        raise DataError(f"{path} is empty: restore it from the dataset's zip") from None
    except pd.errors.ParserError as error:
        detail = str(error).removeprefix("Error tokenizing data. C error: ").strip()
        raise DataError(
            f"{path} could not be parsed ({detail}); check that every line has the "
            "same number of fields"
        ) from None


def check_encoding(path: Path, *, encoding: str) -> None:
    """Raise DataError naming the line of the first byte that `encoding` rejects.

    Latin-1 maps every byte to a character, so only UTF-8 files can fail here.
    """
    if encoding.replace("-", "").lower() in ("latin1", "iso88591"):
        return
    data = path.read_bytes()
    try:
        data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise DataError(
            f"{path} is not valid {encoding.upper()} text (byte "
            f"0x{data[error.start]:02x} on line {line}): MovieLens CSV files are "
            f"{encoding.upper()}; re-save the file as {encoding.upper()}"
        ) from None


def first_line(path: Path, *, encoding: str) -> str:
    """Return the first line of a text file without its line ending."""
    with path.open("rb") as handle:
        return handle.readline().decode(encoding, errors="replace").rstrip("\r\n")


def check_separator(path: Path, *, separator: str, encoding: str, layout: str) -> None:
    """Raise DataError when the first line of `path` is split by another separator."""
    line = first_line(path, encoding=encoding)
    found = guess_separator(line, expected=separator)
    if found is not None:
        raise DataError(
            f"{path} looks separated by {describe_separator(found)} but the "
            f"{layout} layout separates fields with {describe_separator(separator)} "
            f"(line 1: {line[:60]!r}); convert the file to that separator"
        )


def integer_column(
    values: pd.Series, *, path: Path, column: str, first_row_line: int
) -> pd.Series:
    """Return `values` as int64, or raise DataError naming the first invalid row."""
    if pd.api.types.is_integer_dtype(values.dtype):
        return values.astype(np.int64)
    numbers = pd.to_numeric(values, errors="coerce")
    invalid = numbers.isna() | (numbers != np.floor(numbers))
    if invalid.any():
        position = int(np.argmax(invalid.to_numpy()))
        raise DataError(
            f"{path}: line {position + first_row_line}: {column} "
            f"{_shown(values.iloc[position])} is not an integer; fix or remove "
            "that line"
        )
    return numbers.astype(np.int64)


def rating_column(
    values: pd.Series, *, path: Path, column: str, first_row_line: int
) -> pd.Series:
    """Return ratings as float64 in [0.5, 5.0], or raise DataError naming the row."""
    numbers = pd.to_numeric(values, errors="coerce").astype(np.float64)
    invalid = numbers.isna()
    if invalid.any():
        position = int(np.argmax(invalid.to_numpy()))
        raise DataError(
            f"{path}: line {position + first_row_line}: {column} "
            f"{_shown(values.iloc[position])} is not a number; MovieLens ratings "
            f"are {RATING_MIN} to {RATING_MAX} stars, fix or remove that line"
        )
    outside = (numbers < RATING_MIN) | (numbers > RATING_MAX)
    if outside.any():
        position = int(np.argmax(outside.to_numpy()))
        raise DataError(
            f"{path}: line {position + first_row_line}: {column} "
            f"{_shown(values.iloc[position])} is outside the MovieLens range "
            f"{RATING_MIN} to {RATING_MAX}; fix or remove that line"
        )
    return numbers


def ratings_frame(
    raw: pd.DataFrame,
    *,
    path: Path,
    columns: dict[str, str],
    first_row_line: int,
) -> pd.DataFrame:
    """Build the ratings frame (user_id, item_id, rating, timestamp) from `raw`.

    `columns` maps each of those four names to the column name used in the file;
    `first_row_line` is the line number of the first data row in the file.
    NOTE: pandas skips blank lines, so line numbers after one are off by one each.
    """
    if raw.empty:
        raise DataError(
            f"{path} contains no ratings; use the file from the dataset's zip"
        )
    where = {"path": path, "first_row_line": first_row_line}
    return pd.DataFrame(
        {
            "user_id": integer_column(
                raw[columns["user_id"]], column=columns["user_id"], **where
            ),
            "item_id": integer_column(
                raw[columns["item_id"]], column=columns["item_id"], **where
            ),
            "rating": rating_column(
                raw[columns["rating"]], column=columns["rating"], **where
            ),
            "timestamp": integer_column(
                raw[columns["timestamp"]], column=columns["timestamp"], **where
            ),
        }
    )


def drop_duplicate_ratings(
    ratings: pd.DataFrame, *, path: Path
) -> tuple[pd.DataFrame, int]:
    """Keep the latest rating of each (user, item) pair, in the file's row order.

    Among duplicates with equal timestamps the one further down the file wins.
    Returns the kept rows (with a fresh 0..n-1 index) and how many were dropped.
    """
    if not _has_duplicate_pairs(ratings):
        return ratings, 0
    by_time = ratings.sort_values("timestamp", kind="stable")
    older = by_time.duplicated(["user_id", "item_id"], keep="last")
    kept = ratings.loc[~older.sort_index()].reset_index(drop=True)
    dropped = len(ratings) - len(kept)
    logger.warning(
        "%s: dropped %d duplicate (user, item) ratings, kept the latest of each",
        path,
        dropped,
    )
    return kept, dropped


def _has_duplicate_pairs(ratings: pd.DataFrame) -> bool:
    users = ratings["user_id"].to_numpy()
    items = ratings["item_id"].to_numpy()
    if len(users) < 2:
        return False
    # One int64 key per pair lets a numpy sort answer the common no-duplicate case
    # several times faster than DataFrame.duplicated on two columns.
    item_span = int(items.max()) + 1
    fits = users.min() >= 0 and items.min() >= 0
    if not fits or int(users.max()) >= np.iinfo(np.int64).max // item_span:
        return bool(ratings.duplicated(["user_id", "item_id"]).any())
    keys = np.sort(users * item_span + items)
    return bool((keys[1:] == keys[:-1]).any())


def _shown(value: Any) -> str:
    if isinstance(value, float) and np.isnan(value):
        return "(empty)"
    if value is None or value is pd.NA:
        return "(empty)"
    return repr(value.item() if isinstance(value, np.generic) else value)
