"""Bad data gives one-line DataErrors that name the file, the value and the fix."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from movielens_files import CSV_MOVIES

from ncfkit.data import load_dataset
from ncfkit.errors import DataError, UsageError
from ncfkit.registry import Registry


def load_error(data: Path | str, registry: Registry, data_dir: Path) -> str:
    """Load `data` and return the DataError's message, checking it is one line."""
    with pytest.raises(DataError) as caught:
        load_dataset(dataset="unused", data=data, registry=registry, data_dir=data_dir)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_data_errors_are_usage_errors() -> None:
    assert issubclass(DataError, UsageError)
    assert DataError.exit_code == 2


def test_missing_folder(tmp_path: Path, registry, data_dir) -> None:
    missing = tmp_path / "no-such-folder"

    message = load_error(missing, registry, data_dir)

    assert str(missing) in message
    assert "not found" in message
    assert "--data" in message


def test_plain_file_instead_of_folder(write_layout, registry, data_dir) -> None:
    ratings = write_layout("csv") / "ratings.csv"

    message = load_error(ratings, registry, data_dir)

    assert str(ratings) in message
    assert "not a folder or a .zip" in message
    assert str(ratings.parent) in message


def test_unrecognised_layout_lists_expected_files(
    tmp_path: Path, registry, data_dir
) -> None:
    folder = tmp_path / "stuff"
    folder.mkdir()
    (folder / "notes.txt").write_text("hello\n")

    message = load_error(folder, registry, data_dir)

    assert str(folder) in message
    assert "notes.txt" in message
    for expected in ("ratings.csv", "ratings.dat", "u.data", "u.item"):
        assert expected in message


def test_unrecognised_layout_points_to_subfolder(
    write_layout, tmp_path: Path, registry, data_dir
) -> None:
    inner = write_layout("csv", "outer/ml-latest-small")

    message = load_error(tmp_path / "outer", registry, data_dir)

    assert f"did you mean {inner}?" in message


@pytest.mark.parametrize(
    ("layout", "ratings_file", "other_file"),
    [
        ("csv", "ratings.csv", "movies.csv"),
        ("dat", "ratings.dat", "movies.dat"),
        ("100k", "u.data", "u.item"),
    ],
)
def test_missing_ratings_file(
    write_layout, registry, data_dir, layout, ratings_file, other_file
) -> None:
    folder = write_layout(layout, skip=(ratings_file,))
    assert (folder / other_file).is_file()

    message = load_error(folder, registry, data_dir)

    assert str(folder / ratings_file) in message
    assert "not found" in message


def test_csv_missing_columns(write_layout, registry, data_dir) -> None:
    folder = write_layout("csv", ratings_csv="userId,movieId,rating\n1,10,4.0\n")

    message = load_error(folder, registry, data_dir)

    assert str(folder / "ratings.csv") in message
    assert "missing the column(s) timestamp" in message
    assert "found: userId, movieId, rating" in message


@pytest.mark.parametrize(
    ("separator", "named"), [(";", "';'"), ("\t", "tab"), ("|", "'|'")]
)
def test_csv_wrong_separator(
    write_layout, registry, data_dir, separator: str, named: str
) -> None:
    rows = ["userId", "movieId", "rating", "timestamp"], ["1", "10", "4.0", "100"]
    text = "".join(separator.join(row) + "\n" for row in rows)
    folder = write_layout("csv", ratings_csv=text)

    message = load_error(folder, registry, data_dir)

    assert str(folder / "ratings.csv") in message
    assert f"looks separated by {named}" in message
    assert "comma-separated" in message


def test_dat_wrong_separator(write_layout, registry, data_dir) -> None:
    folder = write_layout("dat", ratings_dat="1,10,5,978300760\n")

    message = load_error(folder, registry, data_dir)

    assert str(folder / "ratings.dat") in message
    assert "looks separated by ','" in message
    assert "'::'" in message


def test_100k_wrong_separator(write_layout, registry, data_dir) -> None:
    folder = write_layout("100k", u_data="196 242 3 881250949\n196,302,3,881250950\n")

    message = load_error(folder, registry, data_dir)

    assert str(folder / "u.data") in message
    assert "looks separated by space" in message
    assert "with tab" in message


@pytest.mark.parametrize(
    ("value", "shown", "problem"),
    [
        ("four", "'four'", "is not a number"),
        ("", "(empty)", "is not a number"),
        ("nan", "'nan'", "is not a number"),
        ("NA", "'NA'", "is not a number"),
        ("inf", "inf", "is outside the MovieLens range 0.5 to 5.0"),
        ("5.5", "5.5", "is outside the MovieLens range 0.5 to 5.0"),
        ("0", "0.0", "is outside the MovieLens range 0.5 to 5.0"),
        ("-1", "-1.0", "is outside the MovieLens range 0.5 to 5.0"),
    ],
)
def test_csv_invalid_rating(
    write_layout, registry, data_dir, value, shown, problem
) -> None:
    ratings = f"userId,movieId,rating,timestamp\n1,10,4.0,1\n1,20,{value},2\n"
    folder = write_layout("csv", ratings_csv=ratings)

    message = load_error(folder, registry, data_dir)

    assert f"{folder / 'ratings.csv'}: line 3: rating {shown} {problem}" in message


def test_dat_out_of_range_rating(write_layout, registry, data_dir) -> None:
    folder = write_layout("dat", ratings_dat="1::10::5::1\n1::20::9::2\n")

    message = load_error(folder, registry, data_dir)

    assert f"{folder / 'ratings.dat'}: line 2: rating 9" in message
    assert "outside the MovieLens range" in message


def test_non_integer_user_id(write_layout, registry, data_dir) -> None:
    ratings = "userId,movieId,rating,timestamp\n1,10,4.0,1\nabc,20,3.0,2\n"
    folder = write_layout("csv", ratings_csv=ratings)

    message = load_error(folder, registry, data_dir)

    assert "line 3: userId 'abc' is not an integer" in message


@pytest.mark.parametrize(
    ("row", "column", "shown"),
    [
        ("-3,10,4.0,2", "userId", "-3"),
        ("0,10,4.0,2", "userId", "0"),
        ("1,-10,4.0,2", "movieId", "-10"),
        ("1,0,4.0,2", "movieId", "0"),
    ],
    ids=["negative-user", "zero-user", "negative-movie", "zero-movie"],
)
def test_non_positive_id(write_layout, registry, data_dir, row, column, shown):
    ratings = f"userId,movieId,rating,timestamp\n1,10,4.0,1\n{row}\n"
    folder = write_layout("csv", ratings_csv=ratings)

    message = load_error(folder, registry, data_dir)

    assert (
        f"{folder / 'ratings.csv'}: line 3: {column} {shown} is not a positive id"
        in message
    )
    assert "ids start at 1" in message


@pytest.mark.parametrize(
    ("layout", "overrides", "file", "where"),
    [
        (
            "dat",
            {"ratings_dat": "1::10::5::1\n-2::20::4::2\n"},
            "ratings.dat",
            "line 2: user_id -2",
        ),
        (
            "100k",
            {"u_data": "1\t10\t5\t1\n2\t0\t4\t2\n"},
            "u.data",
            "line 2: item_id 0",
        ),
        (
            "csv",
            {"movies_csv": "movieId,title,genres\n-10,Heat,Action\n"},
            "movies.csv",
            "line 2: movie id -10",
        ),
        (
            "csv",
            {"tags_csv": "userId,movieId,tag,timestamp\n0,10,good,1\n"},
            "tags.csv",
            "line 2: userId 0",
        ),
    ],
    ids=["dat-ratings", "100k-ratings", "csv-movies", "csv-tags"],
)
def test_non_positive_id_in_other_files(
    write_layout, registry, data_dir, layout, overrides, file, where
) -> None:
    folder = write_layout(layout, **overrides)

    message = load_error(folder, registry, data_dir)

    assert f"{folder / file}: {where} is not a positive id" in message


def test_fractional_user_id(write_layout, registry, data_dir) -> None:
    ratings = "userId,movieId,rating,timestamp\n1,10,4.0,1\n1.5,20,3.0,2\n"
    folder = write_layout("csv", ratings_csv=ratings)

    message = load_error(folder, registry, data_dir)

    assert "line 3: userId 1.5 is not an integer" in message


def test_missing_timestamp_value(write_layout, registry, data_dir) -> None:
    ratings = "userId,movieId,rating,timestamp\n1,10,4.0,1\n1,20,3.0,\n"
    folder = write_layout("csv", ratings_csv=ratings)

    message = load_error(folder, registry, data_dir)

    assert "line 3: timestamp (empty) is not an integer" in message


def test_csv_row_with_extra_fields(write_layout, registry, data_dir) -> None:
    ratings = "userId,movieId,rating,timestamp\n1,10,4.0,1\n1,20,3.0,2,9\n"
    folder = write_layout("csv", ratings_csv=ratings)

    message = load_error(folder, registry, data_dir)

    assert str(folder / "ratings.csv") in message
    assert "line 3" in message


@pytest.mark.parametrize(
    ("layout", "file", "text"),
    [
        ("csv", "ratings.csv", "userId,movieId,rating,timestamp\n1,10,4.0,1,7\n"),
        ("dat", "ratings.dat", "1::10::5::1::7\n1::20::4::2\n"),
        ("100k", "u.data", "1\t10\t5\t1\t7\n1\t20\t4\t2\n"),
    ],
    ids=["csv", "dat", "100k"],
)
def test_first_line_with_extra_fields(
    write_layout, registry, data_dir, layout, file, text
) -> None:
    folder = write_layout(layout, **{file.replace(".", "_"): text})

    message = load_error(folder, registry, data_dir)

    assert f"{folder / file}: the first data line has more fields" in message


def test_csv_in_latin1_is_rejected(write_layout, registry, data_dir) -> None:
    folder = write_layout("csv")
    (folder / "movies.csv").write_bytes(CSV_MOVIES.encode("latin-1"))

    message = load_error(folder, registry, data_dir)

    assert str(folder / "movies.csv") in message
    assert "not valid UTF-8" in message
    assert "line 3" in message
    assert "re-save the file as UTF-8" in message


@pytest.mark.parametrize(
    ("encoding", "bom", "named"),
    [
        ("utf-16-le", b"\xff\xfe", "UTF-16"),
        ("utf-16-be", b"\xfe\xff", "UTF-16"),
        ("utf-32-le", b"\xff\xfe\x00\x00", "UTF-32"),
        ("utf-32-be", b"\x00\x00\xfe\xff", "UTF-32"),
        ("utf-16-le", b"", "UTF-16"),
        ("utf-16-be", b"", "UTF-16"),
    ],
    ids=["16le", "16be", "32le", "32be", "16le-no-bom", "16be-no-bom"],
)
def test_csv_in_utf16_or_utf32(
    write_layout, registry, data_dir, encoding, bom, named
) -> None:
    folder = write_layout("csv")
    ratings = folder / "ratings.csv"
    ratings.write_bytes(bom + ratings.read_text().encode(encoding))

    message = load_error(folder, registry, data_dir)

    assert f"{ratings} is {named} text" in message
    assert message.endswith("re-save the file as UTF-8")
    assert message.isprintable()


def test_dat_in_utf16(write_layout, registry, data_dir) -> None:
    folder = write_layout("dat")
    movies = folder / "movies.dat"
    movies.write_bytes(movies.read_text(encoding="latin-1").encode("utf-16"))

    message = load_error(folder, registry, data_dir)

    assert f"{movies} is UTF-16 text" in message
    assert message.endswith("re-save the file as LATIN-1")
    assert message.isprintable()


def test_nul_bytes_in_csv(write_layout, registry, data_dir) -> None:
    folder = write_layout("csv")
    ratings = folder / "ratings.csv"
    ratings.write_bytes(b"userId,movieId,rating,timestamp\n1,10,4.0,1\x00\x00\n")

    message = load_error(folder, registry, data_dir)

    assert f"{ratings} contains NUL bytes (line 2)" in message
    assert message.isprintable()


def test_header_control_characters_escaped(write_layout, registry, data_dir) -> None:
    ratings = "user\x01Id,movie\u200bId,rating,timestamp\n1,10,4.0,1\n"
    folder = write_layout("csv", ratings_csv=ratings)

    message = load_error(folder, registry, data_dir)

    assert "missing the column(s) userId, movieId" in message
    assert "found: user\\x01Id, movie\\u200bId, rating, timestamp" in message
    assert message.isprintable()


def test_csv_header_repeats_column(write_layout, registry, data_dir) -> None:
    ratings = "userId, userId,movieId,rating,timestamp\n1,1,10,4.0,1\n"
    folder = write_layout("csv", ratings_csv=ratings)

    message = load_error(folder, registry, data_dir)

    assert f"{folder / 'ratings.csv'}: the header names the column userId" in message
    assert "more than once" in message


def test_csv_header_not_utf8(write_layout, registry, data_dir) -> None:
    folder = write_layout("csv")
    ratings = folder / "ratings.csv"
    ratings.write_bytes(b"user\xe9Id,movieId,rating,timestamp\n1,10,4.0,1\n")

    message = load_error(folder, registry, data_dir)

    assert f"{ratings} is not valid UTF-8 text (byte 0xe9 on line 1)" in message
    assert message.isprintable()


def test_invalid_utf8_line_past_first_megabyte(
    write_layout, registry, data_dir
) -> None:
    rows = "".join(f"1,{item},4.0,964982703\n" for item in range(1, 70_001))
    folder = write_layout("csv", ratings_csv="userId,movieId,rating,timestamp\n" + rows)
    ratings = folder / "ratings.csv"
    assert ratings.stat().st_size > 1 << 20
    with ratings.open("ab") as handle:
        handle.write(b"2,10,4.0,9649827\xe90\n")

    message = load_error(folder, registry, data_dir)

    assert f"{ratings} is not valid UTF-8 text (byte 0xe9 on line 70002)" in message


@pytest.mark.parametrize(
    ("layout", "file", "text"),
    [
        ("csv", "ratings.csv", ""),
        ("csv", "ratings.csv", "userId,movieId,rating,timestamp\n"),
        ("csv", "ratings.csv", "userId,movieId,rating,timestamp\r\n"),
        ("dat", "ratings.dat", ""),
        ("100k", "u.data", ""),
    ],
    ids=["csv-empty", "csv-header-only", "csv-header-crlf", "dat-empty", "100k-empty"],
)
def test_empty_ratings(write_layout, registry, data_dir, layout, file, text) -> None:
    folder = write_layout(layout, **{file.replace(".", "_"): text})

    message = load_error(folder, registry, data_dir)

    assert str(folder / file) in message
    assert "empty" in message or "no ratings" in message


def test_unknown_dataset_name_suggests_close_match(registry, data_dir) -> None:
    with pytest.raises(DataError) as caught:
        load_dataset(
            dataset="ml-lates-small", data=None, registry=registry, data_dir=data_dir
        )

    message = str(caught.value)
    assert "unknown dataset 'ml-lates-small'" in message
    assert "did you mean 'ml-latest-small'?" in message
    for name in ("ml-100k", "ml-1m", "ml-10m", "ml-25m", "ml-32m"):
        assert name in message
    assert not data_dir.exists()


def test_bad_u_genre(write_layout, registry, data_dir) -> None:
    folder = write_layout("100k", u_genre="unknown|0\nAction|one\n")

    message = load_error(folder, registry, data_dir)

    assert str(folder / "u.genre") in message
    assert "delete it" in message


def test_unreadable_ratings_file(write_layout, registry, data_dir, monkeypatch):
    folder = write_layout("csv")
    ratings = folder / "ratings.csv"

    # Running as root ignores file modes, so the failure of open() is simulated.
    def deny(source, **options):
        raise PermissionError(13, "Permission denied", str(source))

    monkeypatch.setattr(pd, "read_csv", deny)

    message = load_error(folder, registry, data_dir)

    assert f"cannot read {ratings} (Permission denied)" in message
