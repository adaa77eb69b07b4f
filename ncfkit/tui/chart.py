"""A small line chart of train and validation loss per epoch, drawn with text."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

TRAIN_STYLE = "bold dodger_blue1"
VALIDATION_STYLE = "bold dark_orange"
AXIS_STYLE = "dim"
TRAIN_MARK = "•"
VALIDATION_MARK = "×"
# A column where both curves meet.
BOTH_MARK = "◆"


class LossChart(Widget):
    """Train and validation loss against the epoch.

    Each column of the plot area is one point of the curves, interpolated
    linearly between epochs, so the curves stay continuous at any width.
    """

    DEFAULT_CSS = """
    LossChart {
        height: 10;
        min-height: 6;
    }
    """

    train: reactive[tuple[float, ...]] = reactive(tuple, layout=False)
    validation: reactive[tuple[float, ...]] = reactive(tuple, layout=False)

    def __init__(
        self,
        *,
        title: str = "loss",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.title = title

    def set_losses(
        self, train: Sequence[float | None], validation: Sequence[float | None]
    ) -> None:
        """Replace both curves. Missing or non-finite values become gaps."""
        self.train = tuple(_finite_or_nan(v) for v in train)
        self.validation = tuple(_finite_or_nan(v) for v in validation)

    def add_epoch(self, train_loss: float, validation_loss: float) -> None:
        """Append one epoch to both curves."""
        self.train = (*self.train, _finite_or_nan(train_loss))
        self.validation = (*self.validation, _finite_or_nan(validation_loss))

    def render(self) -> Text:
        return render_chart(
            self.train,
            self.validation,
            width=self.content_size.width,
            height=self.content_size.height,
            title=self.title,
        )


def render_chart(
    train: Sequence[float],
    validation: Sequence[float],
    *,
    width: int,
    height: int,
    title: str = "loss",
) -> Text:
    """Draw the two curves into a `width` x `height` block of text.

    The first line is the legend, the last the epoch axis, the rest the plot.
    """
    legend = Text.assemble(
        (f"{title}  ", "bold"),
        (TRAIN_MARK, TRAIN_STYLE),
        " train  ",
        (VALIDATION_MARK, VALIDATION_STYLE),
        " validation",
    )
    values = [v for v in (*train, *validation) if not math.isnan(v)]
    rows = height - 2
    if not values or rows < 2 or width < 16:
        lines = [legend, Text("no epochs yet" if not values else "", style=AXIS_STYLE)]
        return Text("\n").join(lines[: max(height, 1)])

    low, high = min(values), max(values)
    if high - low < 1e-12:
        high, low = high + 1e-6, low - 1e-6
    label_width = max(len(_label(low)), len(_label(high)))
    plot_width = width - label_width - 1
    n_epochs = max(len(train), len(validation))

    grid = [[" "] * plot_width for _ in range(rows)]
    styles: list[list[str]] = [[""] * plot_width for _ in range(rows)]
    for series, mark, style in (
        (train, TRAIN_MARK, TRAIN_STYLE),
        (validation, VALIDATION_MARK, VALIDATION_STYLE),
    ):
        previous_row: int | None = None
        for column in range(plot_width):
            value = _sample(series, column, plot_width, n_epochs)
            if value is None:
                previous_row = None
                continue
            row = round((high - value) / (high - low) * (rows - 1))
            # A steep segment spans several rows in one column: fill them, so
            # the curve stays connected.
            if previous_row is None or abs(row - previous_row) <= 1:
                span = [row]
            elif row > previous_row:
                span = list(range(previous_row + 1, row + 1))
            else:
                span = list(range(row, previous_row))
            for filled in span:
                occupied = grid[filled][column] not in (" ", mark)
                grid[filled][column] = BOTH_MARK if occupied else mark
                styles[filled][column] = "bold" if occupied else style
            previous_row = row

    lines = [legend]
    for row in range(rows):
        if row == 0:
            label = _label(high)
        elif row == rows - 1:
            label = _label(low)
        else:
            label = ""
        line = Text(label.rjust(label_width) + "│", style=AXIS_STYLE)
        for column in range(plot_width):
            line.append(grid[row][column], styles[row][column] or None)
        lines.append(line)
    axis = f"epoch 1{'':{max(plot_width - 8 - len(str(n_epochs)), 1)}}{n_epochs}"
    lines.append(Text(" " * label_width + "└" + axis[:plot_width], style=AXIS_STYLE))
    return Text("\n").join(lines[:height])


def _sample(
    series: Sequence[float], column: int, plot_width: int, n_epochs: int
) -> float | None:
    """Return the curve's value at a plot column, or None where it has no data."""
    if not series:
        return None
    if n_epochs == 1:
        position = 0.0
    else:
        position = column / (plot_width - 1) * (n_epochs - 1)
    left = math.floor(position)
    fraction = position - left
    right = left + 1 if fraction > 0 else left
    if right >= len(series):
        return None
    a, b = series[left], series[right]
    if math.isnan(a) or math.isnan(b):
        return None
    return a + (b - a) * fraction


def _label(value: float) -> str:
    return f"{value:.4f}"


def _finite_or_nan(value: float | None) -> float:
    if value is None or not math.isfinite(value):
        return math.nan
    return float(value)
