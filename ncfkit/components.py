"""Components, and the plain data that flows between the stages of a run.

A component is a name, a one-line description, a frozen parameter dataclass and a
factory. What the factory builds depends on the kind of component:

- reader: `factory(params)` returns an object with `detect(path) -> bool` and
  `read(path, *, name) -> Dataset`.
- filter: `factory(params)` returns a callable `(ratings) -> ratings` that keeps a
  subset of the rows of a ratings DataFrame.
- splitter: `factory(params)` returns a callable `(ratings) -> Split`.
- feature provider: `factory(params)` returns an object with
  `fit(context: FeatureContext) -> dict[str, torch.Tensor]`.
- head: `factory(params, *, shape: ModelShape, features)` returns a `torch.nn.Module`
  whose `forward(users, items)` maps two (batch,) index tensors to (batch,)
  predictions on the [0, 1] training scale (rating / rating_max). A head may also
  define `penalty(users, items)` returning a scalar tensor that training adds to
  the batch's MSE, for regularisation of only the rows the batch touches.
- metric: `factory(params)` returns a callable `(EvalContext) -> dict[str, float]`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ncfkit.params import NoParams

if TYPE_CHECKING:
    import scipy.sparse

Kind = Literal["reader", "filter", "splitter", "features", "head", "metric"]
KINDS: tuple[Kind, ...] = ("reader", "filter", "splitter", "features", "head", "metric")


@dataclass(frozen=True)
class Component:
    """A named, parameterised factory contributed by a plugin."""

    name: str
    description: str
    factory: Callable[..., Any]
    params: type = NoParams
    # Feature providers that must run before this component is built (heads only).
    requires: tuple[str, ...] = ()


@dataclass
class Dataset:
    """A MovieLens dataset as read from disk, with ncfkit's column names.

    ratings: user_id (int64), item_id (int64), rating (float64), timestamp (int64).
    items: item_id (int64), title (str), genres (tuple of str, empty for none).
    tags: user_id, item_id, tag (str), timestamp; None when the layout has no tags.
    """

    name: str
    path: Path
    layout: str
    ratings: pd.DataFrame
    items: pd.DataFrame
    tags: pd.DataFrame | None = None
    # File name -> SHA-256 of the files read, recorded in each run's environment.
    checksums: dict[str, str] = field(default_factory=dict)
    # Duplicate (user, item) ratings the reader dropped, keeping the latest of each.
    duplicates_dropped: int = 0


@dataclass(frozen=True)
class IdMap:
    """Dense indices for users and items: index i stands for `user_ids[i]`."""

    user_ids: np.ndarray
    item_ids: np.ndarray

    @classmethod
    def from_ratings(cls, ratings: pd.DataFrame) -> IdMap:
        """Number users and items in order of first appearance."""
        return cls(
            user_ids=pd.unique(ratings["user_id"]).astype(np.int64),
            item_ids=pd.unique(ratings["item_id"]).astype(np.int64),
        )

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def user_index(self, user_ids: np.ndarray | pd.Series) -> np.ndarray:
        """Map raw user ids to indices; unknown ids map to -1."""
        return _lookup(self.user_ids, user_ids)

    def item_index(self, item_ids: np.ndarray | pd.Series) -> np.ndarray:
        """Map raw item ids to indices; unknown ids map to -1."""
        return _lookup(self.item_ids, item_ids)


def _lookup(known: np.ndarray, ids: np.ndarray | pd.Series) -> np.ndarray:
    index = pd.Index(known)
    return index.get_indexer(np.asarray(ids, dtype=np.int64))


@dataclass(frozen=True)
class Split:
    """Row positions of the train, validation and test parts of a ratings frame.

    Rows in none of the three were dropped by the splitter; `dropped_users` and
    `dropped_rows` count them for the run log.
    """

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray
    dropped_users: int = 0
    dropped_rows: int = 0
    reason: str = ""


@dataclass(frozen=True)
class FeatureContext:
    """The data a feature provider may read.

    Only `split.train` rows may shape features wherever the data could leak the
    held-out ratings (tags by time, for example).
    """

    dataset: Dataset
    ratings: pd.DataFrame  # with user_index and item_index columns
    split: Split
    id_map: IdMap


@dataclass(frozen=True)
class ModelShape:
    """Sizes a head is built for."""

    n_users: int
    n_items: int
    mean_rating: float  # mean training rating on the [0, 1] scale


@dataclass(frozen=True)
class EvalContext:
    """Predictions on one evaluated part (validation or test) for the metrics."""

    part: str  # "validation" or "test"
    users: np.ndarray  # (n,) user indices of the evaluated rows
    items: np.ndarray  # (n,) item indices
    actual: np.ndarray  # (n,) ratings in stars
    predicted: np.ndarray  # (n,) predictions in stars, clipped to the rating range
    rating_max: float  # the [0, 1] training scale is rating / rating_max
    n_users: int
    n_items: int
    # (n_users, n_items) interactions a ranking must leave out: train, plus
    # validation when `part` is "test".
    exclude: scipy.sparse.csr_matrix
    # User indices -> (len(users), n_items) predicted ratings in stars.
    score: Callable[[np.ndarray], np.ndarray]
    seed: int
