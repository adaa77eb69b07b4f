"""docs/plugins.md documents every hook and event, and its examples work."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
import sys
import tomllib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from ncfkit import events, hookspecs
from ncfkit.components import ModelShape
from ncfkit.registry import Registry

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"
HOOKSPECS = [
    name
    for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
    if hasattr(function, "ncfkit_spec")
]
EVENTS = [
    cls
    for _, cls in inspect.getmembers(events, inspect.isclass)
    if dataclasses.is_dataclass(cls) and cls.__module__ == events.__name__
]


def _section(text: str, hook: str) -> str:
    """Return the text under the `### `hook`` heading, up to the next heading."""
    match = re.search(rf"^### `{hook}`\n(.*?)(?=^#)", text, re.DOTALL | re.MULTILINE)
    assert match is not None, f"docs/plugins.md has no '### `{hook}`' section"
    return match.group(1)


def _code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), re.DOTALL)


def test_hookspecs_found() -> None:
    assert "register_heads" in HOOKSPECS
    assert "on_epoch_ended" in HOOKSPECS


@pytest.mark.parametrize("hook", HOOKSPECS)
def test_hookspec_documented(hook: str) -> None:
    section = _section(DOC.read_text(), hook)
    assert "Arguments:" in section
    assert "Returns:" in section
    for argument in inspect.signature(getattr(hookspecs, hook)).parameters.values():
        assert f"`{argument.name}: " in section, argument.name


@pytest.mark.parametrize("event", EVENTS, ids=lambda cls: cls.__name__)
def test_event_documented_with_fields(event: type) -> None:
    rows = [
        line
        for line in DOC.read_text().splitlines()
        if line.startswith(f"| `{event.__name__}` |")
    ]
    assert len(rows) == 1, f"no row for {event.__name__} in the events table"
    for field in dataclasses.fields(event):
        assert f"`{field.name}`" in rows[0], field.name


def test_every_component_kind_has_an_example() -> None:
    hooks = " ".join(_code_blocks("python"))
    for hook in (
        "register_filters",
        "register_splitters",
        "register_heads",
        "register_metrics",
    ):
        assert f"def {hook}(" in hooks, hook


def _example_modules() -> list[tuple[str, str]]:
    modules = []
    for block in _code_blocks("python"):
        first_line = block.splitlines()[0]
        if first_line.startswith("# ncfkit_") and first_line.endswith(".py"):
            modules.append((first_line[2:-3], block))
    return modules


def test_example_pyprojects_point_at_their_modules() -> None:
    modules = {name for name, _ in _example_modules()}
    pyprojects = [b for b in _code_blocks("toml") if b.startswith("# pyproject.toml")]
    assert len(pyprojects) == len(modules) == 4
    for block in pyprojects:
        project = tomllib.loads(block)
        targets = set(project["project"]["entry-points"]["ncfkit"].values())
        assert targets <= modules, targets
        assert project["project"]["dependencies"] == ["ncfkit"]


@pytest.fixture
def example_plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Registry:
    """Write the example modules to files, import them and register them."""
    for module_name, source in _example_modules():
        (tmp_path / f"{module_name}.py").write_text(source)
        monkeypatch.delitem(sys.modules, module_name, raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = Registry()
    for module_name, _ in _example_modules():
        info = registry.add_plugin(importlib.import_module(module_name), module_name)
        assert info.error is None, module_name
        assert sum(len(names) for names in info.components.values()) == 1
    return registry


def _ratings() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": [1, 1, 1, 2, 2, 2, 2],
            "item_id": [10, 20, 30, 10, 20, 30, 40],
            "rating": [4.0, 3.0, 5.0, 2.0, 3.5, 4.5, 1.0],
            # 1999-01-01, then days in 2001.
            "timestamp": [915148800, *(978307200 + 86400 * d for d in range(6))],
        }
    )


def test_example_filter_keeps_recent(example_plugins: Registry) -> None:
    component = example_plugins.get("filter", "min-year").component
    kept = component.factory(component.params())(_ratings())
    assert len(kept) == 6
    assert kept["timestamp"].min() >= 978307200


def test_example_splitter_holds_out_last(example_plugins: Registry) -> None:
    component = example_plugins.get("splitter", "last-rating").component
    split = component.factory(component.params())(_ratings())
    assert split.test.tolist() == [2, 6]
    assert split.validation.tolist() == [1, 5]
    assert split.train.tolist() == [0, 3, 4]


def test_example_head_predicts(example_plugins: Registry) -> None:
    component = example_plugins.get("head", "biased-mf").component
    shape = ModelShape(n_users=2, n_items=4, mean_rating=0.7)
    model = component.factory(component.params(), shape=shape, features={})
    prediction = model(torch.tensor([0, 1]), torch.tensor([3, 2]))
    assert prediction.shape == (2,)
    torch.testing.assert_close(prediction, torch.full((2,), 0.7), atol=0.01, rtol=0)


def test_example_metric_counts_hits(example_plugins: Registry) -> None:
    component = example_plugins.get("metric", "within-one").component
    context = SimpleNamespace(
        predicted=np.array([4.0, 2.0, 3.0, 5.0]), actual=np.array([3.5, 4.0, 3.0, 3.0])
    )
    assert component.factory(component.params())(context) == {"within-one": 0.5}
