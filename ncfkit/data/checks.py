"""Checks shared by the readers: parsing text tables, validating ratings, checksums.

Every problem found here raises `DataError` with one line that names the file, the
line or column, the offending value and what to do about it. The checks work on
whole columns, so that they stay fast on ml-25m's 25 million ratings.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import logging
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ncfkit.errors import DataError

logger = logging.getLogger(__name__)

RATING_MIN = 0.5
RATING_MAX = 5.0
# MovieLens ratings are whole or half stars, and ml-100k and ml-1m use only whole
# stars.
RATING_STEP = 0.5
# MovieLens ids start at 1.
ID_MIN = 1
_CHUNK_BYTES = 1 << 20
# How much of a file's start is inspected for byte order marks and NUL bytes.
_SNIFF_BYTES = 1 << 12
# Byte order marks, UTF-32 before UTF-16 because FF FE starts both little-endian ones.
_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
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
    dtype: dict[str, Any] | None = None,
    quoted: bool = True,
    skip_initial_space: bool = False,
) -> pd.DataFrame:
    """Read a delimited text file with pandas' C parser, raising DataError on failure.

    A multi-character separator such as MovieLens' '::' is replaced by a control
    character in memory first, because the C parser only splits on one character
    and the Python parser is far too slow for millions of rows. Only empty fields
    become NaN, so that an error can show a token such as 'nan' or 'NA' as written
    and a title or tag such as "NA" stays text. `skip_initial_space` drops the
    spaces after each separator.
    """
    check_text_encoding(path, encoding=encoding)
    source: Path | io.BytesIO = path
    if len(separator) > 1:
        source = io.BytesIO(path.read_bytes().replace(separator.encode(), b"\x1f"))
        separator = "\x1f"
    try:
        with warnings.catch_warnings():
            # pandas only warns, then drops the surplus fields, when the first line
            # has more fields than the header or `names`.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(
                source,
                sep=separator,
                header=None if names is not None else "infer",
                names=names,
                # Without this, pandas turns the first column into the index when
                # the first data row has one field more than the header.
                index_col=False,
                dtype=dtype,
                encoding=encoding,
                keep_default_na=False,
                na_values=[""],
                skipinitialspace=skip_initial_space,
                quoting=csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE,
                engine="c",
            )
    except pd.errors.ParserWarning:
        expected = f"the {len(names)} expected" if names else "the header's"
        raise DataError(
            f"{path}: the first data line has more fields than {expected}; check "
            "the separator and that every line has the same number of fields"
        ) from None
    except UnicodeDecodeError:
        raise encoding_error(path, encoding=encoding) from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path} is empty: restore it from the dataset's zip") from None
    except pd.errors.ParserError as error:
        detail = str(error).removeprefix("Error tokenizing data. C error: ").strip()
        raise DataError(
            f"{path} could not be parsed ({detail}); check that every line has the "
            "same number of fields"
        ) from None


def encoding_error(path: Path, *, encoding: str) -> DataError:
    """Build the DataError for a file that `encoding` cannot decode.

    The file is decoded again in chunks to find the line of the first invalid
    byte, because pandas reports only an offset within its own buffer.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    newlines = 0
    detail = ""
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                # The decoder may hold back the first bytes of a split character,
                # so the position in `chunk` can be negative; clamp it to 0.
                start = max(error.start - len(error.object) + len(chunk), 0)
                line = newlines + chunk.count(b"\n", 0, start) + 1
                detail = f" (byte 0x{chunk[start]:02x} on line {line})"
                break
            newlines += chunk.count(b"\n")
    name = encoding.upper()
    return DataError(
        f"{path} is not valid {name} text{detail}: MovieLens files of this layout "
        f"are {name}; re-save the file as {name}"
    )


def check_text_encoding(path: Path, *, encoding: str) -> None:
    """Raise DataError when `path` starts as UTF-16 or UTF-32 text or has NUL bytes.

    Only the first 4 KiB are inspected. Decoded as UTF-8 or Latin-1, such a file
    yields NUL characters that would otherwise end up in column names and messages.
    """
    with path.open("rb") as handle:
        start = handle.read(_SNIFF_BYTES)
    if encoding.lower().replace("_", "-") in ("utf-16", "utf-32"):
        return
    # The "utf-8-sig" codec only skips a UTF-8 byte order mark, so the files
    # are UTF-8.
    name = encoding.upper().removesuffix("-SIG")
    fix = f"MovieLens files of this layout are {name}; re-save the file as {name}"
    for bom, found in _BOMS:
        if start.startswith(bom):
            raise DataError(f"{path} is {found} text: {fix}")
    if b"\x00" not in start:
        return
    # UTF-16 without a byte order mark: ASCII text has a NUL in every other byte.
    even, odd = start[0::2], start[1::2]
    if odd.count(0) >= 0.9 * len(odd) or even.count(0) >= 0.9 * len(even):
        raise DataError(f"{path} is UTF-16 text without a byte order mark: {fix}")
    line = start.count(b"\n", 0, start.index(b"\x00")) + 1
    raise DataError(
        f"{path} contains NUL bytes (line {line}), so it is not a text file: {fix}"
    )


def first_line(path: Path, *, encoding: str) -> str:
    """Return the first line of a text file without its line ending.

    Raises DataError for UTF-16 or UTF-32 text, see `check_text_encoding`.
    Invalid bytes in the line become U+FFFD.
    """
    check_text_encoding(path, encoding=encoding)
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
            f"(line 1: '{printable(line[:60])}'); convert the file to that separator"
        )


def integer_column(
    values: pd.Series, *, path: Path, column: str, first_row_line: int
) -> pd.Series:
    """Return `values` as int64, or raise DataError naming the first invalid row."""
    if pd.api.types.is_integer_dtype(values.dtype):
        return values.astype(np.int64)
    numbers = pd.to_numeric(values, errors="coerce")
    # NaN, infinity and values beyond int64 fail the first test.
    fits = np.isfinite(numbers) & (numbers.abs() < 2.0**63)
    invalid = numbers.isna() | ~fits | (numbers != np.floor(numbers))
    if invalid.any():
        position = int(np.argmax(invalid.to_numpy()))
        raise DataError(
            f"{path}: line {position + first_row_line}: {column} "
            f"{_shown(values.iloc[position])} is not an integer; fix or remove "
            "that line"
        )
    return numbers.astype(np.int64)


def id_column(
    values: pd.Series, *, path: Path, column: str, first_row_line: int
) -> pd.Series:
    """Return user or movie ids as int64, raising DataError at the first id below 1."""
    ids = integer_column(
        values, path=path, column=column, first_row_line=first_row_line
    )
    below = ids.to_numpy() < ID_MIN
    if below.any():
        position = int(np.argmax(below))
        raise DataError(
            f"{path}: line {position + first_row_line}: {column} "
            f"{ids.iloc[position]} is not a positive id; MovieLens ids start at "
            f"{ID_MIN}, fix or remove that line"
        )
    return ids


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
    _warn_off_grid(numbers, path=path, column=column, first_row_line=first_row_line)
    return numbers


def _warn_off_grid(
    ratings: pd.Series, *, path: Path, column: str, first_row_line: int
) -> None:
    """Log how many ratings are not whole or half stars, and the first of them.

    Such ratings are kept, because a dataset other than MovieLens may use a finer
    scale.
    """
    steps = ratings.to_numpy() / RATING_STEP
    off_grid = steps != np.round(steps)
    if not off_grid.any():
        return
    position = int(np.argmax(off_grid))
    logger.warning(
        "%s: kept %d ratings that are off the MovieLens half-star scale (0.5 to "
        "5.0 in steps of 0.5), the first on line %d: %s %s; check the file if it "
        "should contain MovieLens ratings",
        path,
        int(off_grid.sum()),
        position + first_row_line,
        column,
        _shown(ratings.iloc[position]),
    )


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
    # copy=False keeps each column's own array: consolidating 25 million rows into
    # one block would copy them for nothing.
    return pd.DataFrame(
        {
            "user_id": id_column(
                raw[columns["user_id"]], column=columns["user_id"], **where
            ),
            "item_id": id_column(
                raw[columns["item_id"]], column=columns["item_id"], **where
            ),
            "rating": rating_column(
                raw[columns["rating"]], column=columns["rating"], **where
            ),
            "timestamp": integer_column(
                raw[columns["timestamp"]], column=columns["timestamp"], **where
            ),
        },
        copy=False,
    )


def drop_duplicate_ratings(
    ratings: pd.DataFrame, *, path: Path
) -> tuple[pd.DataFrame, int]:
    """Keep the latest rating of each (user, item) pair, in the file's row order.

    Among duplicates with equal timestamps the one further down the file wins.
    Returns the kept rows (with a fresh 0..n-1 index) and how many were dropped.
    """
    keys = _pair_keys(ratings)
    sorted_keys = np.sort(keys)
    repeated = sorted_keys[1:][sorted_keys[1:] == sorted_keys[:-1]]
    if len(repeated) == 0:
        return ratings, 0

    # Only the rows of repeated pairs need sorting by time, usually a tiny share.
    positions = np.flatnonzero(pd.Index(np.unique(repeated)).get_indexer(keys) >= 0)
    involved = pd.DataFrame(
        {
            "key": keys[positions],
            "timestamp": ratings["timestamp"].to_numpy()[positions],
            "position": positions,
        }
    ).sort_values("timestamp", kind="stable")
    older = involved.loc[involved.duplicated("key", keep="last"), "position"]
    keep = np.ones(len(ratings), dtype=bool)
    keep[older.to_numpy()] = False

    # Indexing each column's array is several times faster than DataFrame.loc here.
    latest = pd.DataFrame(
        {column: ratings[column].to_numpy()[keep] for column in ratings.columns},
        copy=False,
    )
    dropped = len(ratings) - len(latest)
    logger.warning(
        "%s: dropped %d duplicate (user, item) ratings, kept the latest of each",
        path,
        dropped,
    )
    return latest, dropped


def _pair_keys(ratings: pd.DataFrame) -> np.ndarray:
    """Return one int64 per row that is equal exactly for equal (user, item) pairs.

    A single key lets numpy sort and compare pairs several times faster than
    DataFrame.duplicated on two columns.
    """
    users = ratings["user_id"].to_numpy(dtype=np.int64)
    items = ratings["item_id"].to_numpy(dtype=np.int64)
    if len(users) == 0:
        return users
    item_span = int(items.max()) + 1
    small = users.min() >= 0 and items.min() >= 0
    if small and int(users.max()) < np.iinfo(np.int64).max // item_span:
        return users * item_span + items
    # Negative or huge ids: number the distinct ids densely first.
    user_codes, _ = pd.factorize(users)
    item_codes, item_uniques = pd.factorize(items)
    return user_codes.astype(np.int64) * len(item_uniques) + item_codes


def printable(text: str) -> str:
    """Return `text` with control, format and replacement characters escaped.

    Column names and lines shown in messages pass through this, so a message never
    carries raw bytes such as NUL or U+FFFD into the terminal.
    """
    if text.isprintable() and "\ufffd" not in text:
        return text
    return "".join(
        character
        if character.isprintable() and character != "\ufffd"
        else character.encode("unicode_escape").decode("ascii")
        for character in text
    )


def _shown(value: Any) -> str:
    if isinstance(value, float) and np.isnan(value):
        return "(empty)"
    if value is None or value is pd.NA:
        return "(empty)"
    return repr(value.item() if isinstance(value, np.generic) else value)
