"""The plugin registry: a pluggy PluginManager plus the components it collected.

Built-in components live in ordinary modules that implement the same `register_*`
hooks as third-party plugins. Third-party plugins are found through the `ncfkit`
entry-point group. Each entry point loads on its own: one that fails to import,
fails hook validation or breaks a hook's contract is recorded with its error, and
the others keep working.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pluggy

from ncfkit import hookspecs
from ncfkit.components import KINDS, Component, Kind
from ncfkit.errors import ConfigError
from ncfkit.params import suggest

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "ncfkit"
# Set to 1 to skip entry-point plugins, so that what is installed cannot change a run.
DISABLE_PLUGINS_ENV = "NCFKIT_DISABLE_PLUGINS"
BUILTIN = "ncfkit"
BUILTIN_MODULES = (
    "ncfkit.data.readers",
    "ncfkit.filters",
    "ncfkit.splitting",
    "ncfkit.models",
    "ncfkit.metrics",
)

_REGISTER_HOOKS: dict[Kind, str] = {
    "reader": "register_readers",
    "filter": "register_filters",
    "splitter": "register_splitters",
    "features": "register_feature_providers",
    "head": "register_heads",
    "metric": "register_metrics",
}

KIND_LABELS: dict[Kind, str] = {
    "reader": "reader",
    "filter": "filter",
    "splitter": "splitter",
    "features": "feature provider",
    "head": "head",
    "metric": "metric",
}


@dataclass
class PluginInfo:
    """A loaded (or failed) plugin: built-in ncfkit, or one entry point."""

    name: str
    distribution: str | None = None
    version: str | None = None
    builtin: bool = False
    components: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None

    @property
    def loaded(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Registered:
    """A component together with its kind and the plugin that provided it."""

    kind: Kind
    component: Component
    plugin: str


class Registry:
    """Components by kind and name, the plugins they came from, and event dispatch."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("ncfkit")
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self._components: dict[Kind, dict[str, Registered]] = {k: {} for k in KINDS}
        # Event callers per (hook, active plugins), built once: emit runs per batch.
        self._event_callers: dict[tuple[str, frozenset[str]], Any] = {}

    # Loading

    def add_plugin(
        self,
        obj: Any,
        name: str,
        *,
        builtin: bool = False,
        distribution: str | None = None,
        version: str | None = None,
    ) -> PluginInfo:
        """Register a plugin object (a module or an instance) and collect its components.

        A plugin that fails validation or breaks a hook's contract is recorded with
        its error and contributes no components.
        """
        self._event_callers.clear()
        info = self.plugins.get(name) or PluginInfo(
            name=name, distribution=distribution, version=version, builtin=builtin
        )
        self.plugins[name] = info
        plugin_name = name if not builtin else f"{name}:{getattr(obj, '__name__', obj)}"
        try:
            self.pm.register(obj, name=plugin_name)
        except (pluggy.PluginValidationError, ValueError) as error:
            info.error = f"hook validation failed: {error}"
            return info
        unknown = _unknown_hooks(self.pm, plugin_name)
        if unknown:
            # pluggy accepts implementations of hooks it has no spec for and never
            # calls them, so a misspelled hook would silently register nothing.
            self.pm.unregister(name=plugin_name)
            known = [
                name
                for name, value in vars(hookspecs).items()
                if hasattr(value, "ncfkit_spec")
            ]
            info.error = (
                f"hook validation failed: unknown hook {unknown[0]!r}"
                f"{suggest(unknown[0], known)}; ncfkit's hooks are in "
                "ncfkit/hookspecs.py"
            )
            return info
        try:
            collected = self._collect(plugin_name)
            self._check_duplicates(name, collected)
        except ContractError as error:
            info.error = str(error)
            self.pm.unregister(name=plugin_name)
            return info
        for kind, component in collected:
            self._components[kind][component.name] = Registered(kind, component, name)
            info.components.setdefault(kind, []).append(component.name)
        return info

    def add_failed_plugin(self, name: str, error: str, **details: Any) -> None:
        """Record a plugin that could not be loaded at all."""
        self.plugins[name] = PluginInfo(name=name, error=error, **details)

    def _collect(self, plugin_name: str) -> list[tuple[Kind, Component]]:
        collected: list[tuple[Kind, Component]] = []
        for kind, hook_name in _REGISTER_HOOKS.items():
            caller = getattr(self.pm.hook, hook_name)
            for impl in caller.get_hookimpls():
                if impl.plugin_name != plugin_name:
                    continue
                try:
                    result = impl.function()
                except Exception as error:  # a plugin's own bug must not stop ncfkit
                    raise ContractError(
                        f"hook {hook_name} raised {type(error).__name__}: {error}"
                    ) from error
                collected.extend((kind, c) for c in _check_result(hook_name, result))
        return collected

    def _check_duplicates(
        self, plugin: str, collected: list[tuple[Kind, Component]]
    ) -> None:
        seen: set[tuple[Kind, str]] = set()
        for kind, component in collected:
            key = (kind, component.name)
            other = self._components[kind].get(component.name)
            if other is not None or key in seen:
                owner = other.plugin if other is not None else plugin
                raise ContractError(
                    f"duplicate {KIND_LABELS[kind]} name {component.name!r}: "
                    f"already provided by plugin {owner!r}; rename it in plugin "
                    f"{plugin!r}"
                )
            seen.add(key)

    # Lookup

    def get(
        self, kind: Kind, name: str, *, active: Iterable[str] | None = None
    ) -> Registered:
        """Return the component `name` of `kind`.

        With `active`, a component from a plugin that is neither built in nor in
        `active` raises ConfigError that names the `--plugin` to add.
        """
        registered = self._components[kind].get(name)
        label = KIND_LABELS[kind]
        if registered is None:
            names = sorted(self._components[kind])
            raise ConfigError(
                f"unknown {label} {name!r}{suggest(name, names)} "
                f"(available: {', '.join(names) or 'none'})"
            )
        if active is not None and not self.is_active(registered.plugin, active):
            raise ConfigError(
                f"{label} {name!r} comes from plugin {registered.plugin!r}, which is "
                f"not active: add --plugin {registered.plugin}"
            )
        return registered

    def is_active(self, plugin: str, active: Iterable[str]) -> bool:
        return self.plugins[plugin].builtin or plugin in set(active)

    def components(
        self, kind: Kind, *, active: Iterable[str] | None = None
    ) -> list[Registered]:
        """Return the components of `kind`, built-ins first, then by plugin."""
        found = list(self._components[kind].values())
        if active is not None:
            active = list(active)
            found = [r for r in found if self.is_active(r.plugin, active)]
        return found

    def names(self, kind: Kind, *, active: Iterable[str] | None = None) -> list[str]:
        return [r.component.name for r in self.components(kind, active=active)]

    def third_party(self) -> list[PluginInfo]:
        return [p for p in self.plugins.values() if not p.builtin]

    def check_plugins(self, names: Iterable[str]) -> None:
        """Raise ConfigError unless every name is a loaded third-party plugin."""
        available = [p.name for p in self.third_party()]
        for name in names:
            info = self.plugins.get(name)
            if info is None or info.builtin:
                raise ConfigError(
                    f"unknown plugin {name!r}{suggest(name, available)} (installed: "
                    f"{', '.join(available) or 'none'}; see 'ncfkit plugins')"
                )
            if info.error is not None:
                raise ConfigError(f"plugin {name!r} failed to load: {info.error}")

    # Events

    def emit(self, hook_name: str, event: Any, *, active: Iterable[str] = ()) -> None:
        """Call an `on_*` hook on the subscribers, the built-ins and active plugins."""
        key = (hook_name, frozenset(active))
        caller = self._event_callers.get(key)
        if caller is None:
            # Subscribers registered later still receive events: a subset caller
            # filters the hook's implementations at call time.
            inactive = [
                self.pm.get_plugin(name)
                for name, _ in self.pm.list_name_plugin()
                if name in self.plugins and name not in key[1]
            ]
            caller = self.pm.subset_hook_caller(hook_name, remove_plugins=inactive)
            self._event_callers[key] = caller
        caller(event=event)

    @contextlib.contextmanager
    def subscribed(self, *subscribers: Any) -> Iterator[None]:
        """Register event subscribers for the duration of a `with` block."""
        names = [self.pm.register(s) for s in subscribers]
        try:
            yield
        finally:
            for name in names:
                if name is not None:
                    self.pm.unregister(name=name)


class ContractError(Exception):
    """A plugin's hook returned something other than a list of components."""


def _unknown_hooks(pm: pluggy.PluginManager, plugin_name: str) -> list[str]:
    plugin = pm.get_plugin(plugin_name)
    return sorted(
        caller.name
        for caller in pm.get_hookcallers(plugin) or []
        if not caller.has_spec()
    )


def _check_result(hook_name: str, result: Any) -> list[Component]:
    if result is None:
        return []
    if not isinstance(result, (list, tuple)):
        raise ContractError(
            f"hook {hook_name} returned {type(result).__name__}, expected a list of "
            "ncfkit.components.Component"
        )
    for item in result:
        if not isinstance(item, Component):
            raise ContractError(
                f"hook {hook_name} returned a list containing "
                f"{type(item).__name__}, expected ncfkit.components.Component"
            )
    return list(result)


def load_registry(*, entry_points: bool | None = None) -> Registry:
    """Build a registry with the built-ins and, unless disabled, entry-point plugins.

    `entry_points=None` loads them unless the NCFKIT_DISABLE_PLUGINS environment
    variable is set to a non-empty value other than 0.
    """
    registry = Registry()
    for module_name in BUILTIN_MODULES:
        module = importlib.import_module(module_name)
        info = registry.add_plugin(module, BUILTIN, builtin=True)
        if info.error is not None:
            raise RuntimeError(f"built-in module {module_name}: {info.error}")
    registry.plugins[BUILTIN].version = _version()

    if entry_points is None:
        entry_points = os.environ.get(DISABLE_PLUGINS_ENV, "") in ("", "0")
    if entry_points:
        for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            _load_entry_point(registry, entry_point)
    return registry


def _load_entry_point(
    registry: Registry, entry_point: importlib.metadata.EntryPoint
) -> None:
    dist = entry_point.dist
    details = {
        "distribution": dist.name if dist else None,
        "version": dist.version if dist else None,
    }
    if entry_point.name in registry.plugins:
        registry.add_failed_plugin(
            f"{entry_point.name} ({details['distribution']})",
            f"plugin name {entry_point.name!r} is already taken",
            **details,
        )
        return
    try:
        obj = entry_point.load()
    except Exception as error:  # any import-time failure is the plugin's, not ours
        logger.warning("plugin %s failed to load: %s", entry_point.name, error)
        registry.add_failed_plugin(
            entry_point.name, f"{type(error).__name__}: {error}", **details
        )
        return
    info = registry.add_plugin(obj, entry_point.name, **details)
    if info.error is not None:
        logger.warning("plugin %s rejected: %s", entry_point.name, info.error)


def _version() -> str:
    from ncfkit import __version__

    return __version__
