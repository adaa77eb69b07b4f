"""Assemble a splitter's row positions into a `Split` and log its sizes."""

from __future__ import annotations

import logging

import numpy as np

from ncfkit.components import Split
from ncfkit.errors import DataError

logger = logging.getLogger(__name__)


def make_split(
    splitter: str,
    *,
    train: np.ndarray,
    validation: np.ndarray,
    test: np.ndarray,
    n_rows: int,
    dropped_users: int = 0,
    reason: str = "",
) -> Split:
    """Build a Split from row positions; the rows in no part count as dropped.

    Raises DataError when the training part is empty, because no head can be
    trained on it.
    """
    parts = [np.asarray(p, dtype=np.int64) for p in (train, validation, test)]
    kept = sum(len(p) for p in parts)
    dropped_rows = n_rows - kept
    logger.info(
        "%s split %d ratings into %d train, %d validation and %d test, dropped %d "
        "ratings of %d users%s",
        splitter,
        n_rows,
        *(len(p) for p in parts),
        dropped_rows,
        dropped_users,
        f" ({reason})" if reason else "",
    )
    if len(parts[0]) == 0:
        raise DataError(
            f"the {splitter} split left no training ratings out of {n_rows}: "
            "use more data or change the splitter's parameters"
        )
    return Split(
        train=parts[0],
        validation=parts[1],
        test=parts[2],
        dropped_users=dropped_users,
        dropped_rows=dropped_rows,
        reason=reason,
    )
