"""`--data` given a .zip: both zip shapes, the unpack cache and invalid zips."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from ncfkit.data import load_dataset
from ncfkit.data.download import ML_LATEST_SMALL_SHA256
from ncfkit.errors import DataError


def zip_folder(folder: Path, zip_path: Path, *, top_level: str | None) -> Path:
    """Zip the files of `folder`, inside a `top_level` folder or at the root."""
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.iterdir()):
            name = f"{top_level}/{file.name}" if top_level else file.name
            archive.write(file, name)
    return zip_path


def load_error(zip_path: Path, registry, data_dir: Path) -> str:
    """Load `zip_path` and return the DataError's message, checking it is one line."""
    with pytest.raises(DataError) as caught:
        load_dataset(dataset="x", data=zip_path, registry=registry, data_dir=data_dir)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("top_level", ["ml-tiny", None], ids=["folder", "flat"])
def test_zip_shapes(
    write_layout, tmp_path: Path, registry, data_dir, top_level: str | None
) -> None:
    folder = write_layout("dat", crlf=True)
    zip_path = zip_folder(folder, tmp_path / "ml-tiny.zip", top_level=top_level)

    dataset = load_dataset(
        dataset="unused", data=zip_path, registry=registry, data_dir=data_dir
    )

    assert dataset.layout == "movielens-dat"
    assert dataset.name == "ml-tiny"
    assert len(dataset.ratings) == 4
    digest = hashlib.sha256(zip_path.read_bytes()).hexdigest()
    cache = data_dir / "unpacked" / digest
    assert dataset.path.is_relative_to(cache)
    assert (
        dataset.checksums["ratings.dat"]
        == hashlib.sha256((folder / "ratings.dat").read_bytes()).hexdigest()
    )


def test_zip_unpacked_once(write_layout, tmp_path: Path, registry, data_dir) -> None:
    zip_path = zip_folder(write_layout("csv"), tmp_path / "a.zip", top_level="a")

    first = load_dataset(
        dataset="x", data=zip_path, registry=registry, data_dir=data_dir
    )
    marker = first.path / "marker"
    marker.write_text("kept")
    second = load_dataset(
        dataset="x", data=str(zip_path), registry=registry, data_dir=data_dir
    )

    assert second.path == first.path
    assert marker.is_file()
    leftovers = [p.name for p in (data_dir / "unpacked").iterdir()]
    assert leftovers == [first.path.parent.name]


def test_real_ml_latest_small_zip(datasets_dir: Path, registry, data_dir) -> None:
    zip_path = datasets_dir / "ml-latest-small.zip"

    dataset = load_dataset(
        dataset="unused", data=zip_path, registry=registry, data_dir=data_dir
    )

    assert dataset.name == "ml-latest-small"
    assert len(dataset.ratings) == 100_836
    assert dataset.checksums == ML_LATEST_SMALL_SHA256


@pytest.mark.parametrize(
    "content",
    [b"this is not a zip\n", b""],
    ids=["text", "empty"],
)
def test_invalid_zip(tmp_path: Path, registry, data_dir, content: bytes) -> None:
    zip_path = tmp_path / "broken.zip"
    zip_path.write_bytes(content)

    with pytest.raises(DataError) as caught:
        load_dataset(dataset="x", data=zip_path, registry=registry, data_dir=data_dir)

    message = str(caught.value)
    assert str(zip_path) in message
    assert "not a valid zip" in message
    assert list((data_dir / "unpacked").iterdir()) == []


def test_truncated_zip(write_layout, tmp_path: Path, registry, data_dir) -> None:
    zip_path = zip_folder(write_layout("csv"), tmp_path / "cut.zip", top_level="cut")
    zip_path.write_bytes(zip_path.read_bytes()[:-40])

    with pytest.raises(DataError) as caught:
        load_dataset(dataset="x", data=zip_path, registry=registry, data_dir=data_dir)

    assert "not a valid zip" in str(caught.value)
    assert list((data_dir / "unpacked").iterdir()) == []


def test_zip_without_dataset(tmp_path: Path, registry, data_dir) -> None:
    zip_path = tmp_path / "other.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.writestr("notes/readme.txt", "nothing here\n")

    message = load_error(zip_path, registry, data_dir)

    assert f"{zip_path} has no known dataset layout" in message
    assert "found: notes/readme.txt" in message
    assert "ratings.csv" in message
    assert list((data_dir / "unpacked").iterdir()) == []


def test_zip_files_two_folders_deep(
    write_layout, tmp_path: Path, registry, data_dir
) -> None:
    zip_path = zip_folder(write_layout("csv"), tmp_path / "deep.zip", top_level="a/b")

    message = load_error(zip_path, registry, data_dir)

    assert message.startswith(f"{zip_path} has no known dataset layout")
    assert "found: a/b/links.csv, a/b/movies.csv, a/b/ratings.csv" in message
    assert "ratings.csv is in a/b/ but a dataset's files must be at the top" in message
    assert f"zips are unpacked into {data_dir / 'unpacked'}/<sha256>/" in message
    assert list((data_dir / "unpacked").iterdir()) == []


def test_empty_zip(tmp_path: Path, registry, data_dir) -> None:
    zip_path = tmp_path / "empty.zip"
    with zipfile.ZipFile(zip_path, "w"):
        pass

    message = load_error(zip_path, registry, data_dir)

    assert f"{zip_path} contains no files" in message
    assert list((data_dir / "unpacked").iterdir()) == []


def test_bad_file_in_zip_names_zip(
    write_layout, tmp_path: Path, registry, data_dir
) -> None:
    ratings = "userId,movieId,rating,timestamp\n1,10,9.0,1\n"
    folder = write_layout("csv", ratings_csv=ratings)
    zip_path = zip_folder(folder, tmp_path / "bad.zip", top_level="bad")

    message = load_error(zip_path, registry, data_dir)

    assert "ratings.csv: line 2: rating 9.0 is outside" in message
    assert f"unpacked from {zip_path}" in message
    assert "fix the file in the zip" in message
    assert list((data_dir / "unpacked").iterdir()) == []


def test_zip_member_cannot_escape(tmp_path: Path, registry, data_dir) -> None:
    zip_path = tmp_path / "escape.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.writestr("../../escaped.csv", "x\n")
        archive.writestr("ratings.csv", "userId,movieId,rating,timestamp\n1,2,3.0,4\n")

    dataset = load_dataset(
        dataset="x", data=zip_path, registry=registry, data_dir=data_dir
    )

    assert len(dataset.ratings) == 1
    assert not (tmp_path / "escaped.csv").exists()
    assert not (data_dir / "escaped.csv").exists()
