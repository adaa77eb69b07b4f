"""How the tags plugin's heads resolve in a run config."""

from __future__ import annotations

import ncfkit_genres
import pytest
from ncfkit.config import apply_overrides, default_raw_config, resolve_config
from ncfkit.errors import ConfigError
from ncfkit.registry import Registry, load_registry

import ncfkit_tags


@pytest.fixture
def registry() -> Registry:
    registry = load_registry(entry_points=False)
    assert registry.add_plugin(ncfkit_genres, "genres").error is None
    assert registry.add_plugin(ncfkit_tags, "tags").error is None
    return registry


def test_tags_plugin_defaults_to_tags_head(registry: Registry) -> None:
    config = resolve_config({**default_raw_config(), "plugins": ["tags"]}, registry)
    assert config.head.name == "tags"
    assert [feature.name for feature in config.features] == ["tags"]


def test_genres_tags_head_needs_both_plugins(registry: Registry) -> None:
    raw = apply_overrides(default_raw_config(), ["plugins=tags", "head=genres-tags"])
    with pytest.raises(ConfigError, match="add --plugin genres"):
        resolve_config(raw, registry)


def test_genres_tags_head_adds_both_providers(registry: Registry) -> None:
    raw = apply_overrides(
        default_raw_config(),
        ["plugins=genres,tags", "head=genres-tags", "features.tags.dim=8"],
    )
    config = resolve_config(raw, registry)
    assert config.head.name == "genres-tags"
    features = {feature.name: feature.params for feature in config.features}
    assert set(features) == {"genres", "tags"}
    assert features["tags"].dim == 8


def test_tags_params_validated_in_config(registry: Registry) -> None:
    raw = apply_overrides(
        default_raw_config(), ["plugins=tags", "features.tags.terms=letters"]
    )
    with pytest.raises(ConfigError, match="features.tags.terms"):
        resolve_config(raw, registry)
