"""Broken plugins are reported with their name and error; the others keep working."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from ncfkit.config import default_raw_config, resolve_config
from ncfkit.errors import ConfigError
from ncfkit.hookspecs import hookimpl
from ncfkit.registry import Registry, load_registry

from .conftest import SitePackages

GOOD = """
    from ncfkit.components import Component
    from ncfkit.hookspecs import hookimpl


    def _count(context):
        return {"rows": float(len(context.actual))}


    @hookimpl
    def register_metrics():
        return [Component("rows", "Number of evaluated rows", lambda params: _count)]
"""
FAILS_IMPORT = """
    import ncfkit_no_such_dependency
"""
WRONG_TYPE = """
    from ncfkit.hookspecs import hookimpl


    @hookimpl
    def register_metrics():
        return {"name": "not-a-component"}
"""
DUPLICATE = """
    from ncfkit.components import Component
    from ncfkit.hookspecs import hookimpl


    @hookimpl
    def register_heads():
        return [Component("mlp", "Another head named mlp", lambda params, **kw: None)]
"""
RAISES = """
    from ncfkit.hookspecs import hookimpl


    @hookimpl
    def register_filters():
        raise RuntimeError("filter table missing")
"""
BAD_HOOK = """
    from ncfkit.hookspecs import hookimpl


    @hookimpl
    def register_metric():
        return []
"""
PLUGINS = {
    "good": GOOD,
    "fails-import": FAILS_IMPORT,
    "wrong-type": WRONG_TYPE,
    "duplicate": DUPLICATE,
    "raises": RAISES,
    "bad-hook": BAD_HOOK,
}
EXPECTED_ERRORS = {
    "fails-import": "ModuleNotFoundError: No module named 'ncfkit_no_such_dependency'",
    "wrong-type": "register_metrics returned dict, expected a list",
    "duplicate": "duplicate head name 'mlp': already provided by plugin 'ncfkit'",
    "raises": "register_filters raised RuntimeError: filter table missing",
    "bad-hook": "unknown hook 'register_metric' (did you mean 'register_metrics'?)",
}


@pytest.fixture
def registry(site_packages: SitePackages) -> Registry:
    site_packages(PLUGINS)
    return load_registry(entry_points=True)


@pytest.mark.parametrize("name", sorted(EXPECTED_ERRORS))
def test_broken_plugin_reported(registry: Registry, name: str) -> None:
    info = registry.plugins[name]
    assert not info.loaded
    assert EXPECTED_ERRORS[name] in info.error
    assert info.distribution == f"ncfkit-test-{name}"
    assert info.components == {}


def test_good_plugin_loads_beside_broken(registry: Registry) -> None:
    info = registry.plugins["good"]
    assert info.error is None
    assert info.version == "0.3"
    assert info.components == {"metric": ["rows"]}
    assert registry.get("metric", "rows", active=["good"]).plugin == "good"


def test_duplicate_keeps_builtin_head(registry: Registry) -> None:
    assert registry.get("head", "mlp").plugin == "ncfkit"


def test_activating_broken_plugin_repeats_error(registry: Registry) -> None:
    raw = {**default_raw_config(), "plugins": ["wrong-type"]}
    with pytest.raises(ConfigError, match="plugin 'wrong-type' failed to load"):
        resolve_config(raw, registry=registry)


def test_unknown_plugin_suggests_closest(registry: Registry) -> None:
    raw = {**default_raw_config(), "plugins": ["god"]}
    with pytest.raises(
        ConfigError, match=r"unknown plugin 'god' \(did you mean 'good'"
    ):
        resolve_config(raw, registry=registry)


def test_good_plugin_metric_resolves(registry: Registry) -> None:
    raw = {**default_raw_config(), "plugins": ["good"]}
    config = resolve_config(raw, registry=registry)
    assert "rows" in [metric.name for metric in config.metrics]


def test_add_plugin_rejects_wrong_return_type() -> None:
    @hookimpl
    def register_heads() -> str:
        return "mlp"

    plugin = types.ModuleType("wrong")
    plugin.register_heads = register_heads
    registry = load_registry(entry_points=False)
    heads = registry.names("head")
    info = registry.add_plugin(plugin, "wrong")
    assert info.error == (
        "hook register_heads returned str, expected a list of "
        "ncfkit.components.Component"
    )
    assert registry.names("head") == heads
    assert "wrong" not in [r.plugin for r in registry.components("head")]


def test_plugins_command_lists_each_error(site_packages: SitePackages) -> None:
    folder = site_packages(PLUGINS)
    env = {k: v for k, v in os.environ.items() if k != "NCFKIT_DISABLE_PLUGINS"}
    env["PYTHONPATH"] = os.pathsep.join([str(folder), env.get("PYTHONPATH", "")])
    ncfkit = Path(sys.executable).with_name("ncfkit")
    result = subprocess.run(
        [str(ncfkit), "plugins", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    listed = {plugin["name"]: plugin for plugin in json.loads(result.stdout)}
    for name, message in EXPECTED_ERRORS.items():
        assert listed[name]["loaded"] is False
        assert message in listed[name]["error"]
    assert listed["good"]["loaded"] is True
    assert listed["good"]["components"] == {"metric": ["rows"]}
    assert listed["good"]["version"] == "0.3"
