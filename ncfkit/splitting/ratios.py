"""Train/validation/test fractions and the number of rows each part gets."""

from __future__ import annotations

import numpy as np

# Largest amount by which the three fractions may miss 1.0 (float rounding).
FRACTION_TOLERANCE = 1e-9


def check_fractions(*, train: float, validation: float, test: float) -> None:
    """Raise ValueError, naming the values and the fix, unless the fractions are
    each in [0, 1), train is above 0 and they add up to 1."""
    values = f"train={train}, validation={validation}, test={test}"
    for name, value in (("train", train), ("validation", validation), ("test", test)):
        if not 0.0 <= value < 1.0:
            raise ValueError(f"{name} must be in [0, 1), got {values}")
    if train <= 0.0:
        raise ValueError(f"train must be above 0, got {values}")
    total = train + validation + test
    if abs(total - 1.0) > FRACTION_TOLERANCE:
        raise ValueError(
            f"train, validation and test must add up to 1, got {values} "
            f"(sum {total:.10g}): change them so that they add up to 1"
        )


def holdout_sizes(
    n_rows: np.ndarray, *, validation: float, test: float
) -> tuple[np.ndarray, np.ndarray]:
    """Return the validation and test sizes for groups of `n_rows` rows.

    A group of n rows holds out ceil((validation + test) * n) rows. Of those,
    ceil(test / (validation + test) * held_out) are test and the rest validation.
    scikit-learn's `train_test_split` (1.x) sizes its test part as
    ceil(test_size * n_samples) in float64, so two nested calls with these test
    sizes give the same counts.
    """
    held_fraction = validation + test
    test_share = test / held_fraction
    n_held = np.ceil(held_fraction * n_rows).astype(np.int64)
    n_test = np.ceil(test_share * n_held).astype(np.int64)
    return n_held - n_test, n_test
