"""The `implicit-feedback` feature provider: each user's training items, N(u).

SVD++ reads a user's rated items as implicit feedback, independent of the ratings
given. Only train rows enter N(u), because the mere fact that a user rated a
validation or test item is part of what is held out. The sets are returned in
compressed sparse row (CSR) form, which `torch.nn.EmbeddingBag` takes directly:
the items of user u are `items[offsets[u] : offsets[u + 1]]`.
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
OFFSETS = "implicit-feedback.offsets"
ITEMS = "implicit-feedback.items"


@dataclass(frozen=True)
class ImplicitFeedback:
    """Collects the train items of every user."""

    def fit(self, context: FeatureContext) -> dict[str, torch.Tensor]:
        """Return `offsets` (n_users + 1,) and `items` (n_train,), both int64.

        Items are sorted within each user. A user without train rows gets an
        empty set. A (user, item) pair that occurs twice in train counts once.
        """
        n_users = context.id_map.n_users
        train = context.ratings.iloc[context.split.train]
        pairs = np.unique(
            np.stack(
                [
                    train["user_index"].to_numpy(dtype=np.int64),
                    train["item_index"].to_numpy(dtype=np.int64),
                ],
                axis=1,
            ),
            axis=0,
        )  # (n_pairs, 2), sorted by user, then item
        counts = np.bincount(pairs[:, 0], minlength=n_users)
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        logger.info(
            "implicit-feedback: %d train items over %d users (%d with none)",
            len(pairs),
            n_users,
            int((counts == 0).sum()),
        )
        return {
            OFFSETS: torch.from_numpy(offsets),
            ITEMS: torch.from_numpy(np.ascontiguousarray(pairs[:, 1])),
        }


def build(params: NoParams) -> ImplicitFeedback:
    return ImplicitFeedback()


COMPONENT = Component(
    name="implicit-feedback",
    description="Each user's set of train items, for SVD++'s implicit factors",
    factory=build,
)
