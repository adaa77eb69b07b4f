"""The run configuration: read from TOML, overridden by flags, resolved against
the registry into typed parameter objects, and written back as TOML.

The raw form is the TOML document as a dict:

    dataset = "ml-latest-small"      # a known dataset name
    data = ""                        # or a folder / .zip path, which wins
    plugins = []
    [[filters]]   name = "min-ratings", then its parameters
    [splitter]    name = "per-user-ratio", then its parameters
    [head]        name = "mlp", then its parameters
    [[features]]  name = "genres", then its parameters (those the head requires
                  are added with their defaults when missing)
    [[metrics]]   name = "rmse", then its parameters (a plain name also works)
    [training]    epochs, batch_size, ...
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from ncfkit.errors import ConfigError
from ncfkit.params import build_params, param, params_to_dict, suggest
from ncfkit.registry import Registry

DEFAULT_DATASET = "ml-latest-small"
DEFAULT_HEAD = "mlp"
DEFAULT_METRICS = ("mse", "rmse", "mae", "accuracy")
TOP_LEVEL_KEYS = (
    "dataset",
    "data",
    "plugins",
    "filters",
    "features",
    "splitter",
    "head",
    "metrics",
    "training",
)
DEVICES = ("auto", "cpu", "cuda", "mps")


@dataclass(frozen=True)
class TrainingConfig:
    """Optimisation settings; the defaults are the reference notebook's."""

    epochs: int = param(10, "passes over the training ratings")
    batch_size: int = param(512, "ratings per optimiser step")
    learning_rate: float = param(5e-4, "Adam learning rate")
    weight_decay: float = param(1e-5, "Adam weight decay (L2 penalty)")
    seed: int = param(42, "seed of model initialisation and batch shuffling")
    device: str = param("auto", "auto (cuda, then mps, then cpu), cpu, cuda[:N] or mps")
    patience: int = param(
        0, "stop after this many epochs without a better validation loss; 0 is off"
    )
    threads: int = param(0, "CPU threads for torch; 0 keeps torch's default")

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(
                    f"{name} must be at least 1, got {getattr(self, name)}"
                )
        if self.learning_rate <= 0:
            raise ValueError(
                f"learning_rate must be positive, got {self.learning_rate}"
            )
        if self.weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay}")
        if self.threads < 0:
            raise ValueError(f"threads must be >= 0, got {self.threads}")
        if self.patience < 0:
            raise ValueError(f"patience must be >= 0, got {self.patience}")
        if self.device.split(":")[0] not in DEVICES:
            raise ValueError(
                f"unknown device {self.device!r}: use one of {', '.join(DEVICES)}"
            )


@dataclass(frozen=True)
class ComponentConfig:
    """A component chosen by name, with its resolved parameters."""

    name: str
    params: Any

    def to_raw(self) -> dict[str, Any]:
        return {"name": self.name, **params_to_dict(self.params)}


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a run; `to_toml` output reruns it."""

    dataset: str
    data: str
    plugins: tuple[str, ...]
    filters: tuple[ComponentConfig, ...]
    splitter: ComponentConfig
    head: ComponentConfig
    metrics: tuple[ComponentConfig, ...]
    features: tuple[ComponentConfig, ...] = ()
    training: TrainingConfig = field(default_factory=TrainingConfig)

    def to_raw(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "data": self.data,
            "plugins": list(self.plugins),
            "filters": [f.to_raw() for f in self.filters],
            "splitter": self.splitter.to_raw(),
            "head": self.head.to_raw(),
            "features": [f.to_raw() for f in self.features],
            "metrics": [m.to_raw() for m in self.metrics],
            "training": params_to_dict(self.training),
        }

    def to_toml(self) -> str:
        return tomli_w.dumps(self.to_raw())


def default_raw_config() -> dict[str, Any]:
    """Return the raw config of the reference experiment."""
    return {
        "dataset": DEFAULT_DATASET,
        "data": "",
        "plugins": [],
        "filters": [{"name": "min-ratings"}],
        "splitter": {"name": "per-user-ratio", "seed_compatible": True},
        "metrics": [{"name": n} for n in DEFAULT_METRICS],
        "training": {},
    }


def read_config_file(path: Path) -> dict[str, Any]:
    """Read a TOML config file on top of the defaults.

    Keys the file sets replace the default ones; `[training]` is merged key by key.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read config file {path}: {error}") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"invalid TOML in {path}: {error}") from None
    _check_top_level(document, where=str(path))
    raw = default_raw_config()
    for key, value in document.items():
        if key == "training":
            raw["training"] = {**raw["training"], **_table(value, "training")}
        else:
            raw[key] = value
    return raw


def apply_overrides(raw: dict[str, Any], assignments: list[str]) -> dict[str, Any]:
    """Return a copy of `raw` with `--set KEY=VALUE` assignments applied.

    Keys: `dataset`, `data`, `plugins` (comma-separated), `head`, `splitter` (a new
    name resets its parameters), `head.PARAM`, `splitter.PARAM`, `training.PARAM`,
    `filters.NAME.PARAM` and `metrics.NAME.PARAM` (a metric not yet listed is added).
    Values stay strings; they are converted when the config is resolved.
    """
    raw = copy.deepcopy(raw)
    parsed = [_parse_assignment(a) for a in assignments]
    # Component names first, so `--set head.dropout=0.1 --set head=gmf` keeps dropout.
    parsed.sort(key=lambda kv: kv[0].count("."))
    for key, value in parsed:
        _assign(raw, key, value)
    return raw


def _parse_assignment(assignment: str) -> tuple[str, str]:
    key, sep, value = assignment.partition("=")
    if not sep or not key.strip():
        raise ConfigError(
            f"invalid --set {assignment!r}: expected KEY=VALUE, "
            "for example --set head.dropout=0.2"
        )
    return key.strip(), value.strip()


def _assign(raw: dict[str, Any], key: str, value: str) -> None:
    parts = key.split(".")
    head, rest = parts[0], parts[1:]
    if head not in TOP_LEVEL_KEYS:
        raise ConfigError(
            f"unknown --set key {key!r}{suggest(head, list(TOP_LEVEL_KEYS))} "
            f"(keys start with one of: {', '.join(TOP_LEVEL_KEYS)})"
        )
    if head in ("dataset", "data") and not rest:
        raw[head] = value
    elif head == "plugins" and not rest:
        raw["plugins"] = [p.strip() for p in value.split(",") if p.strip()]
    elif head in ("head", "splitter") and not rest:
        raw[head] = {"name": value}
    elif head in ("head", "splitter", "training") and len(rest) == 1:
        table = raw.get(head) or ({"name": DEFAULT_HEAD} if head == "head" else {})
        raw[head] = {**table, rest[0]: value}
    elif head in ("filters", "metrics", "features") and len(rest) == 2:
        _assign_listed(raw, head, rest[0], rest[1], value)
    else:
        raise ConfigError(
            f"invalid --set key {key!r}: use {head}.NAME.PARAM for filters and "
            f"metrics, {head}.PARAM for head, splitter and training"
        )


def _assign_listed(
    raw: dict[str, Any], section: str, name: str, param_name: str, value: str
) -> None:
    entries = [_entry(e, section) for e in raw.get(section, [])]
    matches = [e for e in entries if e["name"] == name]
    if not matches and section == "filters":
        names = [e["name"] for e in entries]
        raise ConfigError(
            f"no filter {name!r} in the config{suggest(name, names)}: add a "
            f'[[filters]] table with name = "{name}" to the config file'
        )
    if not matches:
        entries.append({"name": name})
        matches = entries[-1:]
    matches[0][param_name] = value
    raw[section] = entries


def resolve_config(raw: dict[str, Any], registry: Registry) -> RunConfig:
    """Check names and parameters against the registry and build a RunConfig.

    Without a `[head]`, the head of the first active plugin that offers one is
    used, else `mlp`. Metrics of the active plugins are appended when missing.
    """
    _check_top_level(raw, where="the config")
    plugins = tuple(_string_list(raw.get("plugins", []), "plugins"))
    registry.check_plugins(plugins)

    dataset = raw.get("dataset", DEFAULT_DATASET)
    data = raw.get("data", "")
    if not isinstance(dataset, str) or not isinstance(data, str):
        raise ConfigError("dataset and data must be strings in the config")

    filters = tuple(
        _component(registry, "filter", _entry(e, "filters"), plugins, "filters")
        for e in raw.get("filters", [])
    )
    splitter = _component(
        registry, "splitter", _entry(raw.get("splitter"), "splitter"), plugins
    )
    head_entry = raw.get("head") or {"name": _default_head(registry, plugins)}
    head = _component(registry, "head", _entry(head_entry, "head"), plugins)

    feature_entries = [_entry(e, "features") for e in raw.get("features", [])]
    required = registry.get("head", head.name).component.requires
    listed_features = {e["name"] for e in feature_entries}
    feature_entries += [{"name": n} for n in required if n not in listed_features]
    features = tuple(
        _component(registry, "features", e, plugins, "features")
        for e in feature_entries
    )
    _check_unique([f.name for f in features], "features")

    metric_entries = [_entry(e, "metrics") for e in raw.get("metrics", [])]
    listed = {e["name"] for e in metric_entries}
    for plugin in plugins:
        for name in registry.plugins[plugin].components.get("metric", []):
            if name not in listed:
                metric_entries.append({"name": name})
                listed.add(name)
    metrics = tuple(
        _component(registry, "metric", e, plugins, "metrics") for e in metric_entries
    )
    _check_unique([m.name for m in metrics], "metrics")

    training = build_params(
        TrainingConfig, _table(raw.get("training", {}), "training"), where="training"
    )
    return RunConfig(
        dataset=dataset,
        data=data,
        plugins=plugins,
        filters=filters,
        splitter=splitter,
        head=head,
        metrics=metrics,
        features=features,
        training=training,
    )


def _default_head(registry: Registry, plugins: tuple[str, ...]) -> str:
    for plugin in plugins:
        heads = registry.plugins[plugin].components.get("head", [])
        if heads:
            return heads[0]
    return DEFAULT_HEAD


def _component(
    registry: Registry,
    kind: str,
    entry: dict[str, Any],
    plugins: tuple[str, ...],
    section: str | None = None,
) -> ComponentConfig:
    registered = registry.get(kind, entry["name"], active=plugins)  # type: ignore[arg-type]
    values = {k: v for k, v in entry.items() if k != "name"}
    where = f"{section}.{entry['name']}" if section else kind
    params = build_params(registered.component.params, values, where=where)
    return ComponentConfig(name=entry["name"], params=params)


def _entry(value: Any, section: str) -> dict[str, Any]:
    if isinstance(value, str):
        return {"name": value}
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return dict(value)
    raise ConfigError(
        f"invalid {section} entry {value!r}: expected a table with a name key, "
        f'for example {{ name = "..." }}'
    )


def _table(value: Any, section: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"[{section}] must be a table, got {value!r}")
    return value


def _string_list(value: Any, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key} must be a list of strings, got {value!r}")
    return value


def _check_unique(names: list[str], section: str) -> None:
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(
            f"{section} lists {', '.join(duplicates)} more than once: keep one entry"
        )


def _check_top_level(document: dict[str, Any], *, where: str) -> None:
    for key in document:
        if key not in TOP_LEVEL_KEYS:
            raise ConfigError(
                f"unknown key {key!r} in {where}{suggest(key, list(TOP_LEVEL_KEYS))} "
                f"(keys: {', '.join(TOP_LEVEL_KEYS)})"
            )
