"""The text loss chart: scaling, gaps and connected curves."""

from __future__ import annotations

import math

from ncfkit.tui.chart import TRAIN_MARK, VALIDATION_MARK, render_chart


def plot_rows(text: str) -> list[str]:
    """Return the plot rows without the legend, the axis and the y labels."""
    lines = text.splitlines()[1:-1]
    return [line.split("│", 1)[1] for line in lines]


def test_chart_labels_min_and_max() -> None:
    text = render_chart([0.5, 0.25], [0.4, 0.3], width=40, height=10).plain
    lines = text.splitlines()
    assert lines[1].startswith("0.5000│")
    assert lines[-2].startswith("0.2500│")
    assert lines[-1].rstrip().endswith("2")


def test_chart_curve_is_connected() -> None:
    text = render_chart([1.0, 0.0], [0.5, 0.5], width=30, height=12).plain
    rows = plot_rows(text)
    # Every plot row contains part of the falling train curve, none is skipped.
    for row in rows:
        assert TRAIN_MARK in row or "◆" in row


def test_chart_starts_at_first_column() -> None:
    text = render_chart([0.3, 0.2, 0.1], [0.3, 0.25, 0.2], width=30, height=8).plain
    rows = plot_rows(text)
    assert rows[0][0] in (TRAIN_MARK, "◆")
    assert VALIDATION_MARK in "".join(rows)


def test_chart_leaves_gap_for_nan() -> None:
    text = render_chart([0.3, math.nan, 0.1], [0.2, 0.2, 0.2], width=30, height=8).plain
    columns = list(zip(*plot_rows(text)))
    middle = columns[len(columns) // 2]
    assert TRAIN_MARK not in middle


def test_chart_without_epochs_says_so() -> None:
    text = render_chart([], [], width=40, height=8).plain
    assert "no epochs yet" in text
