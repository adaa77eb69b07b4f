from dataclasses import dataclass
from typing import Literal

import pytest

from ncfkit.errors import ConfigError
from ncfkit.params import build_params, coerce_value, param, param_specs, params_to_dict


@dataclass(frozen=True)
class Example:
    size: int = param(8, "a size")
    rate: float = param(0.5, "a rate")
    flag: bool = param(False, "a flag")
    mode: Literal["a", "b"] = param("a", "a mode")
    layers: tuple[int, ...] = param((4, 2), "layer sizes")

    def __post_init__(self) -> None:
        if self.size < 1:
            raise ValueError(f"size must be at least 1, got {self.size}")


def test_param_specs_list_types_defaults_and_choices():
    specs = {s.name: s for s in param_specs(Example)}
    assert specs["size"].type is int
    assert specs["size"].default == 8
    assert specs["size"].help == "a size"
    assert specs["mode"].choices == ("a", "b")
    assert specs["layers"].type is tuple
    assert specs["layers"].item_type is int


def test_build_params_converts_command_line_strings():
    params = build_params(
        Example,
        {"size": "3", "rate": "0.25", "flag": "true", "mode": "b", "layers": "16,8"},
        where="head",
    )
    assert params == Example(size=3, rate=0.25, flag=True, mode="b", layers=(16, 8))


def test_build_params_accepts_toml_values():
    params = build_params(Example, {"layers": [32, 16, 8], "rate": 1}, where="head")
    assert params.layers == (32, 16, 8)
    assert params.rate == 1.0


def test_unknown_parameter_suggests_close_match():
    with pytest.raises(ConfigError, match=r"head\.sise.*did you mean 'size'"):
        build_params(Example, {"sise": 3}, where="head")


@pytest.mark.parametrize(
    ("name", "value"),
    [("size", "three"), ("size", 2.5), ("rate", "fast"), ("flag", "maybe")],
)
def test_wrong_type_names_parameter_and_expected_type(name, value):
    with pytest.raises(ConfigError) as error:
        build_params(Example, {name: value}, where="head")
    assert f"head.{name}" in str(error.value)
    assert "expected" in str(error.value)


def test_choice_outside_literal_is_rejected_with_choices():
    spec = {s.name: s for s in param_specs(Example)}["mode"]
    with pytest.raises(ConfigError, match="choose one of 'a', 'b'"):
        coerce_value(spec, "c", where="head.mode")


def test_post_init_error_becomes_config_error():
    with pytest.raises(ConfigError, match="invalid head: size must be at least 1"):
        build_params(Example, {"size": 0}, where="head")


def test_params_to_dict_turns_tuples_into_lists():
    assert params_to_dict(Example())["layers"] == [4, 2]
