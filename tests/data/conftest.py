"""Fixtures that write small MovieLens folders and build a reader registry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import ncfkit.data.readers
from ncfkit.registry import Registry

from movielens_files import LAYOUTS, write_text

WriteLayout = Callable[..., Path]


@pytest.fixture
def write_layout(tmp_path: Path) -> WriteLayout:
    """Return a function that writes a layout's files into a new folder.

    `write(layout, folder_name="dataset", crlf=False, skip=(), **overrides)`: skip
    leaves files out; an override maps a file name (dots as underscores) to text.
    """

    def write(
        layout: str,
        folder_name: str = "dataset",
        *,
        crlf: bool = False,
        skip: tuple[str, ...] = (),
        **overrides: str,
    ) -> Path:
        folder = tmp_path / folder_name
        folder.mkdir(parents=True, exist_ok=True)
        for file, (text, encoding) in LAYOUTS[layout].items():
            if file in skip:
                continue
            text = overrides.get(file.replace(".", "_"), text)
            write_text(folder / file, text, encoding=encoding, crlf=crlf)
        return folder

    return write


@pytest.fixture
def registry() -> Registry:
    """A registry holding only the built-in readers."""
    registry = Registry()
    registry.add_plugin(ncfkit.data.readers, "ncfkit", builtin=True)
    return registry


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An empty data directory, so no test reads or writes the user's cache."""
    return tmp_path / "data-dir"


@pytest.fixture(autouse=True)
def _no_internet_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point downloads at a local port by default, so no test reaches GroupLens."""
    monkeypatch.setenv("NCFKIT_DOWNLOAD_URL", "http://127.0.0.1:9/unreachable")
