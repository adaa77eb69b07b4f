import importlib.metadata
import types
from dataclasses import dataclass

import pytest

from ncfkit.components import Component
from ncfkit.errors import ConfigError
from ncfkit.hookspecs import hookimpl
from ncfkit.registry import BUILTIN, load_registry


def _metric_plugin(name: str, metric_name: str) -> types.SimpleNamespace:
    def build(params):
        return lambda context: {metric_name: 1.0}

    class Plugin:
        @hookimpl
        def register_metrics(self):
            return [Component(metric_name, "always one", build)]

    return Plugin()


def test_builtins_register_through_hooks():
    registry = load_registry(entry_points=False)
    assert "mlp" in registry.names("head")
    assert "min-ratings" in registry.names("filter")
    assert "per-user-ratio" in registry.names("splitter")
    assert "rmse" in registry.names("metric")
    assert registry.plugins[BUILTIN].builtin


def test_third_party_plugin_adds_component():
    registry = load_registry(entry_points=False)
    info = registry.add_plugin(_metric_plugin("extra", "one"), "extra")
    assert info.loaded
    assert registry.get("metric", "one").plugin == "extra"


def test_duplicate_component_name_names_both_plugins():
    registry = load_registry(entry_points=False)
    info = registry.add_plugin(_metric_plugin("copycat", "rmse"), "copycat")
    assert not info.loaded
    assert "'rmse'" in info.error
    assert "'ncfkit'" in info.error
    assert "'copycat'" in info.error
    assert registry.get("metric", "rmse").plugin == BUILTIN


def test_wrong_return_type_is_recorded_and_others_keep_working():
    class Broken:
        @hookimpl
        def register_heads(self):
            return "mlp2"

    registry = load_registry(entry_points=False)
    info = registry.add_plugin(Broken(), "broken")
    good = registry.add_plugin(_metric_plugin("good", "one"), "good")
    assert "returned str" in info.error
    assert good.loaded
    assert "mlp2" not in registry.names("head")


def test_hook_that_raises_is_recorded():
    class Raising:
        @hookimpl
        def register_filters(self):
            raise RuntimeError("boom")

    registry = load_registry(entry_points=False)
    info = registry.add_plugin(Raising(), "raising")
    assert "RuntimeError: boom" in info.error


def test_unknown_component_suggests_close_match():
    registry = load_registry(entry_points=False)
    with pytest.raises(ConfigError, match="unknown head 'mpl'.*did you mean 'mlp'"):
        registry.get("head", "mpl")


def test_inactive_plugin_component_says_which_plugin_to_activate():
    registry = load_registry(entry_points=False)
    registry.add_plugin(_metric_plugin("extra", "one"), "extra")
    with pytest.raises(ConfigError, match="add --plugin extra"):
        registry.get("metric", "one", active=[])


@dataclass
class _FakeDist:
    name: str
    version: str


class _FakeEntryPoint:
    def __init__(self, name, loader):
        self.name = name
        self._loader = loader
        self.dist = _FakeDist(f"ncfkit-{name}", "1.2.3")

    def load(self):
        return self._loader()


def test_entry_point_that_fails_to_import_is_recorded(monkeypatch):
    def failing():
        raise ImportError("No module named 'missing_dependency'")

    points = [
        _FakeEntryPoint("bad", failing),
        _FakeEntryPoint("good", lambda: _metric_plugin("good", "one")),
    ]
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: points)
    registry = load_registry(entry_points=True)
    assert "missing_dependency" in registry.plugins["bad"].error
    assert registry.plugins["bad"].distribution == "ncfkit-bad"
    assert registry.plugins["good"].loaded
    assert registry.plugins["good"].version == "1.2.3"
    assert "one" in registry.names("metric")


def test_disable_variable_skips_entry_points(monkeypatch):
    calls = []
    monkeypatch.setattr(
        importlib.metadata, "entry_points", lambda group: calls.append(group) or []
    )
    monkeypatch.setenv("NCFKIT_DISABLE_PLUGINS", "1")
    load_registry()
    assert calls == []
    monkeypatch.setenv("NCFKIT_DISABLE_PLUGINS", "0")
    load_registry()
    assert calls == ["ncfkit"]


def test_unknown_plugin_lists_installed_and_suggests():
    registry = load_registry(entry_points=False)
    registry.add_plugin(_metric_plugin("genres", "one"), "genres")
    with pytest.raises(ConfigError, match="unknown plugin 'genre'.*'genres'"):
        registry.check_plugins(["genre"])


def test_events_reach_subscribers_and_only_active_plugins():
    received = []

    class Listener:
        def __init__(self, label):
            self.label = label

        @hookimpl
        def on_epoch_ended(self, event):
            received.append((self.label, event))

    registry = load_registry(entry_points=False)
    registry.add_plugin(Listener("plugin"), "listener")
    with registry.subscribed(Listener("subscriber")):
        registry.emit("on_epoch_ended", 1, active=[])
        registry.emit("on_epoch_ended", 2, active=["listener"])
    registry.emit("on_epoch_ended", 3, active=["listener"])
    assert ("subscriber", 1) in received
    assert ("plugin", 1) not in received
    assert ("plugin", 2) in received
    assert ("subscriber", 2) in received
    assert ("subscriber", 3) not in received
    assert ("plugin", 3) in received
