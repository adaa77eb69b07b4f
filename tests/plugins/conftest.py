"""Helpers to install plugins for real: as entry points of fake distributions."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from textwrap import dedent

import pytest

SitePackages = Callable[[dict[str, str]], Path]


@pytest.fixture
def site_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SitePackages:
    """Return a function that installs plugins into a folder on sys.path.

    It takes {plugin name: module source} and writes, for each plugin, a module
    and a `.dist-info` folder whose entry_points.txt names it in the `ncfkit`
    group: the same metadata pip writes, found by importlib.metadata.
    """
    folder = tmp_path / "site-packages"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))

    def install(plugins: dict[str, str]) -> Path:
        for name, source in plugins.items():
            module = f"ncfkit_test_{name.replace('-', '_')}"
            monkeypatch.delitem(sys.modules, module, raising=False)
            (folder / f"{module}.py").write_text(dedent(source), encoding="utf-8")
            dist_info = folder / f"ncfkit_test_{name.replace('-', '_')}-0.3.dist-info"
            dist_info.mkdir()
            (dist_info / "METADATA").write_text(
                f"Metadata-Version: 2.1\nName: ncfkit-test-{name}\nVersion: 0.3\n",
                encoding="utf-8",
            )
            (dist_info / "entry_points.txt").write_text(
                f"[ncfkit]\n{name} = {module}\n", encoding="utf-8"
            )
        return folder

    return install
