"""A trained head with its id maps: rating predictions and top-k recommendations."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse
import torch
from torch import nn

from ncfkit.components import IdMap
from ncfkit.errors import UsageError
from ncfkit.recommend.catalog import Catalog
from ncfkit.recommend.errors import (
    NothingToRecommendError,
    UnknownMovieError,
    UnknownUserError,
)

logger = logging.getLogger(__name__)

# (user, movie) pairs scored per forward pass. Small batches keep a head's
# intermediate tensors in cache: on 2 CPU cores, recommending for all 610 users
# of ml-latest-small (biased-mf, one thread) took 1.8 s in batches of 2**17
# pairs and 6.4 s in batches of 2**20.
PAIRS_PER_BATCH = 1 << 17


class TrainedModel:
    """A run's trained head, ready to predict ratings and recommend movies.

    Recommendations rank the movies a user did not rate in train or validation by
    the head's unclipped prediction, highest first. `predicted` is in stars,
    clipped to the rating range. Ranking metrics rank the clipped predictions, so
    their top-k lists can differ where clipping makes scores equal.
    """

    def __init__(
        self,
        model: nn.Module,
        *,
        id_map: IdMap,
        seen: scipy.sparse.csr_matrix,
        rating_min: float,
        rating_max: float,
        catalog: Catalog,
        run_dir: Path,
        checkpoint: str,
        epoch: int,
        head: str,
    ) -> None:
        self.model = model.eval()
        self.id_map = id_map
        self.seen = seen  # (n_users, n_items) 1 where rated in train or validation
        self.rating_min = rating_min
        self.rating_max = rating_max
        self.catalog = catalog
        self.run_dir = run_dir
        self.checkpoint = checkpoint
        self.epoch = epoch
        self.head = head
        self._device = next(model.parameters()).device
        self._all_items = torch.arange(id_map.n_items, device=self._device)

    @property
    def user_ids(self) -> np.ndarray:
        """The run's userIds, in index order."""
        return self.id_map.user_ids

    @property
    def movie_ids(self) -> np.ndarray:
        """The run's movieIds, in index order."""
        return self.id_map.item_ids

    def rated(self, user_id: int) -> np.ndarray:
        """Return the movieIds `user_id` rated in train or validation, sorted."""
        user = self._user_indices([user_id])[0]
        return np.sort(self.id_map.item_ids[self.seen[user].indices])

    def predict(
        self,
        user_ids: int | Sequence[int] | np.ndarray,
        movie_ids: int | Sequence[int] | np.ndarray,
    ) -> np.ndarray:
        """Return predicted stars, clipped to the rating range, for id pairs.

        `user_ids` and `movie_ids` broadcast against each other, so one user and
        many movies (or the reverse) work too. Unknown ids raise UnknownUserError
        or UnknownMovieError.
        """
        users, movies = np.broadcast_arrays(
            np.atleast_1d(np.asarray(user_ids, dtype=np.int64)),
            np.atleast_1d(np.asarray(movie_ids, dtype=np.int64)),
        )
        user_index = self._user_indices(users.ravel())
        item_index = self._item_indices(movies.ravel())
        scores = self._score_pairs(
            torch.as_tensor(user_index, device=self._device),
            torch.as_tensor(item_index, device=self._device),
        )
        stars = scores.cpu().numpy().reshape(users.shape)
        return np.clip(stars, self.rating_min, self.rating_max)

    def recommend(self, user_id: int, k: int = 10) -> pd.DataFrame:
        """Return the top `k` movies for `user_id` among those they did not rate.

        Columns: rank (from 1), movieId, title, genres, predicted (stars). Fewer
        than `k` rows come back when fewer movies are left. A user who rated every
        movie raises NothingToRecommendError.
        """
        _check_k(k)
        user = self._user_indices([user_id])[0]
        n_rated = self.seen.indptr[user + 1] - self.seen.indptr[user]
        if n_rated >= self.id_map.n_items:
            raise NothingToRecommendError(
                f"user {user_id} rated all {self.id_map.n_items} movies of run "
                f"{self.run_dir.name} in train and validation: there is no movie "
                "left to recommend"
            )
        found = self._recommend_indices(np.array([user]), k)
        return self._frame(found).drop(columns="userId")

    def recommend_many(
        self, user_ids: Sequence[int] | np.ndarray | None = None, *, k: int = 10
    ) -> pd.DataFrame:
        """Return the top `k` movies of many users in one frame, scored in batches.

        `user_ids` defaults to every user of the run. Columns: userId, then those of
        `recommend`. A user who rated every movie gets no rows.
        """
        _check_k(k)
        if user_ids is None:
            users = np.arange(self.id_map.n_users)
        else:
            users = self._user_indices(np.asarray(user_ids, dtype=np.int64))
        return self._frame(self._recommend_indices(users, k))

    # Scoring

    @torch.no_grad()
    def _score_pairs(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Return unclipped predictions in stars for index pairs, (n,)."""
        parts = [
            self.model(
                users[start : start + PAIRS_PER_BATCH],
                items[start : start + PAIRS_PER_BATCH],
            )
            for start in range(0, len(users), PAIRS_PER_BATCH)
        ]
        if not parts:
            return torch.empty(0)
        return torch.cat(parts).float() * self.rating_max

    def _recommend_indices(
        self, users: np.ndarray, k: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Rank every user's unseen items and keep the top `k` of each.

        Returns flat (user index, rank, item index, unclipped stars) arrays.
        """
        found: list[tuple[np.ndarray, ...]] = []
        for batch in self._user_batches(users):
            scores = self._score_users(batch)  # (batch, n_items)
            seen = self.seen[batch]
            rows = np.repeat(np.arange(len(batch)), np.diff(seen.indptr))
            scores[rows, seen.indices] = -torch.inf

            width = min(k, self.id_map.n_items)
            top_scores, top_items = _top_k(scores, width)
            keep = np.isfinite(top_scores)
            ranks = np.broadcast_to(np.arange(1, width + 1), keep.shape)
            user_column = np.broadcast_to(batch[:, None], keep.shape)
            found.append(
                (user_column[keep], ranks[keep], top_items[keep], top_scores[keep])
            )
        n_empty = int(np.sum(np.diff(self.seen.indptr)[users] >= self.id_map.n_items))
        if n_empty:
            logger.info(
                "%d users rated every movie and get no recommendations", n_empty
            )
        if not found:
            empty = np.array([], dtype=np.int64)
            return empty, empty, empty, np.array([], dtype=np.float32)
        columns = zip(*found, strict=True)
        return tuple(np.concatenate(column) for column in columns)  # type: ignore[return-value]

    def _score_users(self, users: np.ndarray) -> torch.Tensor:
        n_items = self.id_map.n_items
        user_tensor = torch.as_tensor(users, device=self._device)
        user_column = user_tensor.repeat_interleave(n_items)
        item_column = self._all_items.repeat(len(users))
        return self._score_pairs(user_column, item_column).reshape(len(users), n_items)

    def _user_batches(self, users: np.ndarray) -> Iterator[np.ndarray]:
        size = max(1, PAIRS_PER_BATCH // max(self.id_map.n_items, 1))
        for start in range(0, len(users), size):
            yield users[start : start + size]

    # Ids and output

    def _user_indices(self, user_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        indices = self.id_map.user_index(np.asarray(user_ids, dtype=np.int64))
        unknown = np.asarray(user_ids)[indices < 0]
        if len(unknown):
            raise UnknownUserError(
                f"user {_id_list(unknown)} not found in run {self.run_dir.name}: it "
                f"has {self.id_map.n_users} users (userIds {self.user_ids.min()} to "
                f"{self.user_ids.max()}); pass a userId the run was trained on"
            )
        return indices

    def _item_indices(self, movie_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        indices = self.id_map.item_index(np.asarray(movie_ids, dtype=np.int64))
        unknown = np.asarray(movie_ids)[indices < 0]
        if len(unknown):
            raise UnknownMovieError(
                f"movie {_id_list(unknown)} not found in run {self.run_dir.name}: it "
                "is not in the run's training data (never rated, or removed by its "
                "filters); pass a movieId of the run"
            )
        return indices

    def _frame(
        self, found: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    ) -> pd.DataFrame:
        users, ranks, items, scores = found
        movie_ids = self.id_map.item_ids[items]
        titles, genres = self.catalog.lookup(movie_ids)
        return pd.DataFrame(
            {
                "userId": self.id_map.user_ids[users],
                "rank": ranks.astype(np.int64),
                "movieId": movie_ids,
                "title": pd.Series(titles, dtype=object),
                "genres": pd.Series(genres, dtype=object),
                "predicted": np.clip(scores, self.rating_min, self.rating_max),
            }
        )


def _top_k(scores: torch.Tensor, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the `k` highest scores of each row and their columns, best first.

    Equal scores inside a list are ordered by column, lowest first.
    """
    # NOTE: torch.topk decides which of several items tied with the k-th score
    # enter the list. A full sort would settle it, but it took about a quarter of
    # the time of recommending for all users.
    values, columns = torch.topk(scores, k, dim=1)
    by_column = torch.argsort(columns, dim=1)
    values, columns = values.gather(1, by_column), columns.gather(1, by_column)
    by_score = torch.sort(values, dim=1, descending=True, stable=True).indices
    values, columns = values.gather(1, by_score), columns.gather(1, by_score)
    return values.cpu().numpy(), columns.cpu().numpy()


def _check_k(k: int) -> None:
    if k < 1:
        raise UsageError(f"k must be at least 1, got {k}: pass the number of movies")


def _id_list(ids: np.ndarray) -> str:
    """Format up to five ids, e.g. `7` or `7, 9 (and 3 more)`."""
    unique = list(dict.fromkeys(int(i) for i in ids))
    shown = ", ".join(str(i) for i in unique[:5])
    more = f" (and {len(unique) - 5} more)" if len(unique) > 5 else ""
    return shown + more
