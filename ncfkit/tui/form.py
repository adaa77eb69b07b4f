"""Form fields generated from a component's declared parameters.

A `ParamsForm` shows one field per `ParamSpec`: a checkbox for booleans, a select
for choices, and a text input for everything else. Every edit is checked with
`coerce_value` (the error appears under the field), and the whole parameter set
with `build_params`, so the checks of a class's `__post_init__` (fractions that
must add up to 1, say) appear under the form.
"""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.validation import ValidationResult, Validator
from textual.widgets import Checkbox, Input, Label, Select, Static

from ncfkit.errors import ConfigError
from ncfkit.params import (
    ParamSpec,
    build_params,
    coerce_value,
    format_value,
    param_specs,
)


def widget_id(*parts: str) -> str:
    """Build a CSS id from names that may hold characters ids cannot.

    Dots separate the parts of a config key (`head.dropout`), so they become
    hyphens too: `widget_id("field", "head.dropout")` is `field-head-dropout`.
    """
    text = "-".join(parts).replace(".", "-")
    return re.sub(r"[^A-Za-z0-9_-]", "_", text)


class ParamValidator(Validator):
    """Accepts the text when `coerce_value` converts it to the parameter's type."""

    def __init__(self, spec: ParamSpec, where: str) -> None:
        super().__init__()
        self.spec = spec
        self.where = where

    def validate(self, value: str) -> ValidationResult:
        try:
            coerce_value(self.spec, value, where=self.where)
        except ConfigError as error:
            return self.failure(str(error), value)
        return self.success()


class ParamField(Vertical):
    """One parameter: its name, an editor for its value, and the value's error."""

    class Changed(Message):
        """The value of a field changed (valid or not)."""

        def __init__(self, field: ParamField) -> None:
            super().__init__()
            self.field = field

    def __init__(self, spec: ParamSpec, value: Any, *, where: str) -> None:
        super().__init__(id=widget_id("field", where), classes="param-field")
        self.spec = spec
        self.where = where
        self.initial = value
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        spec = self.spec
        tooltip = f"{self.where} ({spec.type_name}): {spec.help}".rstrip(": ")
        with Horizontal(classes="param-row"):
            yield Label(spec.name, classes="param-name", markup=False)
            if spec.type is bool:
                yield Checkbox("", bool(self.initial), compact=True, tooltip=tooltip)
            elif spec.choices is not None:
                options = [(Text(format_value(c)), c) for c in spec.choices]
                value = self.initial if self.initial in spec.choices else spec.default
                yield Select(
                    options,
                    value=value,
                    allow_blank=False,
                    compact=True,
                    tooltip=tooltip,
                )
            else:
                yield Input(
                    format_value(self.initial),
                    compact=True,
                    validators=[ParamValidator(spec, self.where)],
                    validate_on=["changed"],
                    tooltip=tooltip,
                )
            yield Label(_short_type(spec), classes="param-type", markup=False)
        yield Static("", classes="param-error", markup=False)

    @property
    def value(self) -> Any:
        """The raw value: a bool, a choice, or the input's text."""
        editor = self.query_one(".param-row").children[1]
        if isinstance(editor, Checkbox):
            return editor.value
        if isinstance(editor, Select):
            return editor.value
        assert isinstance(editor, Input)
        return editor.value

    @property
    def description(self) -> str:
        return f"{self.where} ({self.spec.type_name}): {self.spec.help}"

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        result = event.validation_result
        if result is None or result.is_valid:
            self.set_error(None)
        else:
            self.set_error(result.failure_descriptions[0])
        self.post_message(self.Changed(self))

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self))

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self))

    def set_error(self, error: str | None) -> None:
        self.error = error
        self.set_class(error is not None, "-invalid")
        self.query_one(".param-error", Static).update(error or "")


class ParamsForm(Vertical):
    """The fields of one parameter class, and the error of the set as a whole."""

    def __init__(
        self,
        params: type,
        values: dict[str, Any],
        *,
        where: str,
        title: str | None = None,
        component: str = "",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id or widget_id("form", where), classes="params-form")
        self.params = params
        self.where = where
        self.component = component
        self.title = title
        self.specs = param_specs(params)
        self.initial = values

    def compose(self) -> ComposeResult:
        if self.title:
            yield Label(self.title, classes="form-title", markup=False)
        for spec in self.specs:
            value = self.initial.get(spec.name, spec.default)
            yield ParamField(spec, value, where=f"{self.where}.{spec.name}")
        yield Static("", classes="form-error", markup=False)

    @property
    def fields(self) -> list[ParamField]:
        return list(self.query(ParamField))

    def values(self) -> dict[str, Any]:
        """Return the raw values of all fields, by parameter name."""
        return {f.spec.name: f.value for f in self.fields}

    def field_errors(self) -> list[str]:
        return [f.error for f in self.fields if f.error]

    def check(self) -> str | None:
        """Show and return the error of the whole set, or None when it is valid.

        Each field shows its own error. This check needs all values at once, so
        it only runs when every field is valid on its own.
        """
        error = None
        if not self.field_errors():
            try:
                build_params(self.params, self.values(), where=self.where)
            except ConfigError as problem:
                error = str(problem)
        self.set_class(error is not None, "-invalid")
        self.query_one(".form-error", Static).update(error or "")
        return error


def _short_type(spec: ParamSpec) -> str:
    if spec.choices is not None:
        return "choice"
    if spec.type is tuple and spec.item_type is not None:
        return f"{spec.item_type.__name__},…"
    return spec.type.__name__
