"""A third-party reader plugs in through the same hook as the built-in ones."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pandas as pd
import pytest

from ncfkit.components import Component, Dataset
from ncfkit.data import load_dataset
from ncfkit.errors import DataError
from ncfkit.hookspecs import hookimpl


class JsonLinesReader:
    """A reader of ratings.jsonl, a layout that no built-in reader detects."""

    def detect(self, path: Path) -> bool:
        return (path / "ratings.jsonl").is_file()

    def read(self, path: Path, *, name: str) -> Dataset:
        ratings = pd.read_json(path / "ratings.jsonl", lines=True)
        items = pd.DataFrame({"item_id": ratings["item_id"].unique()})
        return Dataset(
            name=name, path=path, layout="jsonl", ratings=ratings, items=items
        )


class JsonLinesPlugin:
    @hookimpl
    def register_readers(self) -> list[Component]:
        return [
            Component(
                name="jsonl",
                description="ratings.jsonl with one JSON rating per line",
                factory=lambda params: JsonLinesReader(),
            )
        ]


def test_plugin_reader_reads_its_layout(tmp_path: Path, registry, data_dir) -> None:
    registry.add_plugin(JsonLinesPlugin(), "jsonl-plugin")
    folder = tmp_path / "jsonl"
    folder.mkdir()
    (folder / "ratings.jsonl").write_text(
        '{"user_id": 1, "item_id": 5, "rating": 4.0, "timestamp": 10}\n'
    )

    dataset = load_dataset(
        dataset="x", data=folder, registry=registry, data_dir=data_dir
    )

    assert dataset.layout == "jsonl"
    assert dataset.ratings["item_id"].tolist() == [5]


def test_plugin_layout_listed_when_nothing_matches(
    tmp_path: Path, registry, data_dir
) -> None:
    registry.add_plugin(JsonLinesPlugin(), "jsonl-plugin")
    folder = tmp_path / "empty"
    folder.mkdir()

    with pytest.raises(DataError) as caught:
        load_dataset(dataset="x", data=folder, registry=registry, data_dir=data_dir)

    assert "jsonl (ratings.jsonl with one JSON rating per line)" in str(caught.value)


def test_changed_official_files_are_reported(
    ml_latest_small: Path, tmp_path: Path, registry, caplog
) -> None:
    data_dir = tmp_path / "data-dir"
    copy = shutil.copytree(ml_latest_small, data_dir / "ml-latest-small")
    with (copy / "movies.csv").open("ab") as handle:
        handle.write(b"999999,Extra (2030),Drama\r\n")

    with caplog.at_level(logging.WARNING, logger="ncfkit.data"):
        dataset = load_dataset(
            dataset="ml-latest-small", data=None, registry=registry, data_dir=data_dir
        )

    assert len(dataset.items) == 9_743
    expected = "files differ from the official ml-latest-small release: movies.csv;"
    assert expected in caplog.text
    assert "ratings.csv" not in caplog.text


def test_unwritable_data_dir(tmp_path: Path, registry) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")

    with pytest.raises(DataError) as caught:
        load_dataset(
            dataset="ml-100k", data=None, registry=registry, data_dir=not_a_folder
        )

    assert f"cannot write to the folder {not_a_folder}" in str(caught.value)
    assert "NCFKIT_DATA_DIR" in str(caught.value)
