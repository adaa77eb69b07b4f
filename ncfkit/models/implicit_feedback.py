"""The `implicit-feedback` feature provider: who rated what in train.

SVD++ reads the set of items a user rated, N(u), as implicit feedback, apart from
the ratings given; its item-side counterpart reads the set of users who rated an
item, R(i). Only train rows enter either set, because the mere fact that a user
rated a validation or test item is part of what is held out. Each set family is
returned in compressed sparse row (CSR) form, which `torch.nn.EmbeddingBag` takes
directly: the items of user u are `user_items[user_offsets[u] : user_offsets[u + 1]]`
and the users of item i are `item_users[item_offsets[i] : item_offsets[i + 1]]`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch

from ncfkit.components import Component, FeatureContext
from ncfkit.params import NoParams

logger = logging.getLogger(__name__)

# Keys of the tensors this provider returns.
USER_OFFSETS = "implicit-feedback.user_offsets"
USER_ITEMS = "implicit-feedback.user_items"
ITEM_OFFSETS = "implicit-feedback.item_offsets"
ITEM_USERS = "implicit-feedback.item_users"


@dataclass(frozen=True)
class ImplicitFeedback:
    """Collects the train items of every user and the train users of every item."""

    def fit(self, context: FeatureContext) -> dict[str, torch.Tensor]:
        """Return N(u) and R(i) as int64 CSR tensors.

        `user_offsets` is (n_users + 1,), `item_offsets` (n_items + 1,), and
        `user_items` and `item_users` are (n_pairs,). Members are sorted within
        each set, a user or item without train rows gets an empty set, and a
        (user, item) pair that occurs twice in train counts once.
        """
        train = context.ratings.iloc[context.split.train]
        users = train["user_index"].to_numpy(dtype=np.int64)
        items = train["item_index"].to_numpy(dtype=np.int64)
        user_offsets, user_items = _csr(users, items, n_rows=context.id_map.n_users)
        item_offsets, item_users = _csr(items, users, n_rows=context.id_map.n_items)
        logger.info(
            "implicit-feedback: %d train (user, item) pairs; %d of %d users and %d "
            "of %d items have none",
            len(user_items),
            int((np.diff(user_offsets) == 0).sum()),
            context.id_map.n_users,
            int((np.diff(item_offsets) == 0).sum()),
            context.id_map.n_items,
        )
        return {
            USER_OFFSETS: torch.from_numpy(user_offsets),
            USER_ITEMS: torch.from_numpy(user_items),
            ITEM_OFFSETS: torch.from_numpy(item_offsets),
            ITEM_USERS: torch.from_numpy(item_users),
        }


def _csr(
    rows: np.ndarray, members: np.ndarray, *, n_rows: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return (offsets, members) of the distinct (row, member) pairs, row by row."""
    pairs = np.unique(np.stack([rows, members], axis=1), axis=0)
    # pairs: (n_pairs, 2), sorted by row, then member.
    counts = np.bincount(pairs[:, 0], minlength=n_rows)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return offsets, np.ascontiguousarray(pairs[:, 1])


def build(params: NoParams) -> ImplicitFeedback:
    return ImplicitFeedback()


COMPONENT = Component(
    name="implicit-feedback",
    description="Each user's train items and each movie's train users, for SVD++",
    factory=build,
)
