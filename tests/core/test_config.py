import tomllib

import pytest

from ncfkit.config import (
    apply_overrides,
    default_raw_config,
    read_config_file,
    resolve_config,
)
from ncfkit.errors import ConfigError
from ncfkit.registry import load_registry


@pytest.fixture
def registry():
    return load_registry(entry_points=False)


def test_default_config_is_reference_experiment(registry):
    config = resolve_config(default_raw_config(), registry)
    assert config.dataset == "ml-latest-small"
    assert config.filters[0].name == "min-ratings"
    assert config.filters[0].params.min_user_ratings == 10
    assert config.splitter.params.seed_compatible is True
    assert config.head.name == "mlp"
    assert config.head.params.embedding_dim == 64
    assert config.head.params.layers == (128, 64)
    assert config.training.learning_rate == 5e-4
    assert config.training.batch_size == 512
    assert config.training.epochs == 10
    assert [m.name for m in config.metrics] == ["mse", "rmse", "mae", "accuracy"]


def test_toml_round_trip_gives_same_config(registry, tmp_path):
    raw = apply_overrides(
        default_raw_config(), ["head.dropout=0.1", "training.epochs=3"]
    )
    config = resolve_config(raw, registry)
    path = tmp_path / "config.toml"
    path.write_text(config.to_toml())
    assert resolve_config(read_config_file(path), registry) == config


def test_set_changes_head_and_keeps_its_params(registry):
    raw = apply_overrides(default_raw_config(), ["head.dropout=0.1", "head=mlp"])
    assert resolve_config(raw, registry).head.params.dropout == 0.1


def test_set_filter_param_by_name(registry):
    raw = apply_overrides(default_raw_config(), ["filters.min-ratings.iterative=true"])
    assert resolve_config(raw, registry).filters[0].params.iterative is True


def test_set_unknown_filter_names_fix():
    with pytest.raises(ConfigError, match=r"no filter 'k-core'.*\[\[filters\]\]"):
        apply_overrides(default_raw_config(), ["filters.k-core.k=5"])


def test_set_without_equals_is_rejected():
    with pytest.raises(ConfigError, match="expected KEY=VALUE"):
        apply_overrides(default_raw_config(), ["head.dropout"])


def test_unknown_top_level_key_suggests(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('datset = "ml-1m"\n')
    with pytest.raises(
        ConfigError, match="unknown key 'datset'.*did you mean 'dataset'"
    ):
        read_config_file(path)


def test_invalid_toml_names_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("epochs = \n")
    with pytest.raises(ConfigError, match="invalid TOML in .*broken.toml"):
        read_config_file(path)


def test_training_values_are_validated(registry):
    raw = apply_overrides(default_raw_config(), ["training.epochs=0"])
    with pytest.raises(ConfigError, match="epochs must be at least 1"):
        resolve_config(raw, registry)


def test_written_toml_lists_every_section(registry):
    document = tomllib.loads(resolve_config(default_raw_config(), registry).to_toml())
    for key in ("dataset", "filters", "splitter", "head", "metrics", "training"):
        assert key in document
