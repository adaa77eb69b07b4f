"""Recommendations and rating predictions from a finished run folder.

`load(run_dir)` rebuilds the trained head from a checkpoint and returns a
`TrainedModel`, which needs nothing but the run folder (and the dataset folder,
for titles and genres only).
"""

from ncfkit.recommend.errors import (
    NothingToRecommendError,
    UnknownMovieError,
    UnknownUserError,
)
from ncfkit.recommend.loading import CHECKPOINT_KINDS, load
from ncfkit.recommend.trained import TrainedModel

__all__ = [
    "CHECKPOINT_KINDS",
    "NothingToRecommendError",
    "TrainedModel",
    "UnknownMovieError",
    "UnknownUserError",
    "load",
]
