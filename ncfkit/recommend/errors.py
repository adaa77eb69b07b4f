"""Errors of recommending and predicting with a trained run; all exit with 2."""

from __future__ import annotations

from ncfkit.errors import UsageError


class UnknownUserError(UsageError):
    """A userId that is not among the run's users."""


class UnknownMovieError(UsageError):
    """A movieId that is not among the run's movies."""


class NothingToRecommendError(UsageError):
    """A user who rated every movie of the run in train and validation."""
