"""Form fields generated from a component's declared parameters.

A `ParamsForm` shows one field per `ParamSpec`: a checkbox for booleans, a select
for choices, and a text input for everything else. Every edit is checked three
ways. `coerce_value` checks the field's type. The class's `__post_init__` checks
the field's range, with the other fields at their defaults, so a range error shows
even while another field has a type error. Both errors appear under the field.
Last, `build_params` checks the whole set (fractions that must add up to 1, say),
and its error appears under the form, with the fields it names marked.
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

# The start of a parameter class's error about one parameter.
RANGE_SUBJECT = re.compile(r"(?P<name>\w+) must\b")


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
        # The text's type error, and the value's range error from the parameter
        # class. The range is only checked for a value of the right type.
        self.type_error: str | None = None
        self.range_error: str | None = None

    @property
    def error(self) -> str | None:
        """The error shown under the field: its type error, else its range error."""
        return self.type_error or self.range_error

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
            self.type_error = None
        else:
            self.type_error = result.failure_descriptions[0]
        self._show_error()
        self.post_message(self.Changed(self))

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self))

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self))

    def set_range_error(self, error: str | None) -> None:
        self.range_error = error
        self._show_error()

    def set_named(self, named: bool) -> None:
        """Mark the field as one that the error of its whole form names."""
        self.set_class(named, "-named")

    def _show_error(self) -> None:
        self.set_class(self.error is not None, "-invalid")
        self.query_one(".param-error", Static).update(self.error or "")


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
        """Check each field's range, then the whole set. Show the errors and
        return the set's error, or None when the set is valid.

        The set is only checked when every field is valid on its own, because
        its error would otherwise depend on the values still being typed.
        """
        fields = self.fields
        names = [spec.name for spec in self.specs]
        for field in fields:
            field.set_range_error(self._range_error(field, names))

        error = None
        if not self.field_errors():
            try:
                build_params(self.params, self.values(), where=self.where)
            except ConfigError as problem:
                error = str(problem)
        detail = (error or "").removeprefix(f"invalid {self.where}: ")
        named = _named_params(detail, names)
        for field in fields:
            field.set_named(field.spec.name in named)
        self.set_class(error is not None, "-invalid")
        self.query_one(".form-error", Static).update(error or "")
        return error

    def _range_error(self, field: ParamField, names: list[str]) -> str | None:
        """Return the error that the parameter class raises for this field's value
        with every other field at its default, when that error is about this
        field alone."""
        if field.type_error is not None:
            return None
        try:
            build_params(self.params, {field.spec.name: field.value}, where=self.where)
        except ConfigError as problem:
            detail = str(problem).removeprefix(f"invalid {self.where}: ")
        else:
            return None
        # An error is this field's own when it starts with the field's name
        # ("dropout must be in [0, 1)") or names no other parameter. Others, such
        # as "train, validation and test must add up to 1", are about the set.
        subject = RANGE_SUBJECT.match(detail)
        if subject is not None:
            own = subject["name"] == field.spec.name
        else:
            own = _named_params(detail, names) <= {field.spec.name}
        return f"invalid {field.where}: {detail}" if own else None


def _named_params(message: str, names: list[str]) -> set[str]:
    return {n for n in names if re.search(rf"(?<![\w.]){re.escape(n)}(?!\w)", message)}


def _short_type(spec: ParamSpec) -> str:
    if spec.choices is not None:
        return "choice"
    if spec.type is tuple and spec.item_type is not None:
        return f"{spec.item_type.__name__},…"
    return spec.type.__name__
