"""The `tags` feature provider: a dense TF-IDF + SVD vector per item from user tags.

Each item is one document whose terms are its normalised tags (or the words in
them), weighted by TF-IDF and reduced with a truncated SVD. Only tags from the
training side are used, because a tag reveals that its user interacted with the
item, and often how they liked it:

- a tag counts only when its (user, item) pair is a train rating, so a tag on a
  held-out validation or test pair, or on a pair with no rating at all, is dropped;
- with `time_cutoff` (the default), a tag also counts only when it is no later than
  the tagging user's last train rating. Under a split by time, globally or per
  user, this keeps every tag made after the train period out of the features.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse
import torch
from ncfkit.components import Component, FeatureContext
from ncfkit.params import param
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer

# A child of the "ncfkit" logger, so the messages reach the CLI and each run.log.
logger = logging.getLogger("ncfkit.plugins.tags")

# Keys of the tensors this provider returns.
VECTORS = "tags.vectors"
HAS_TAGS = "tags.has_tags"

_WHITESPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w\w+")


@dataclass(frozen=True)
class TagsParams:
    dim: int = param(64, "size of each item's tag vector (TruncatedSVD components)")
    min_df: int = param(2, "minimum number of items a term must be on to be kept")
    terms: Literal["tag", "word"] = param(
        "tag", "TF-IDF terms: whole normalised tags, or the words in them"
    )
    time_cutoff: bool = param(
        True, "drop tags made after the tagging user's last train rating"
    )
    seed: int = param(0, "seed of the randomized TruncatedSVD")

    def __post_init__(self) -> None:
        if self.dim < 1:
            raise ValueError(f"dim must be at least 1, got {self.dim}")
        if self.min_df < 1:
            raise ValueError(f"min_df must be at least 1, got {self.min_df}")


def normalise_tag(tag: str) -> str:
    """Lowercase a tag, collapse runs of whitespace to one space and strip it."""
    return _WHITESPACE.sub(" ", tag).strip().casefold()


@dataclass(frozen=True)
class TagFeatures:
    """Fits TF-IDF and TruncatedSVD on the train-side tags."""

    params: TagsParams

    def fit(self, context: FeatureContext) -> dict[str, torch.Tensor]:
        """Return `tags.vectors` (n_items, dim) float32 and `tags.has_tags` (n_items,).

        Items without a kept tag get a zero vector and `has_tags` False. When the
        vocabulary has fewer than `dim` terms, the trailing columns stay zero.
        """
        n_items = context.id_map.n_items
        vectors = np.zeros((n_items, self.params.dim), dtype=np.float32)
        has_tags = np.zeros(n_items, dtype=bool)

        kept = train_side_tags(context, time_cutoff=self.params.time_cutoff)
        documents = kept.groupby("item_index")["tag"].agg(list)
        tfidf = _tfidf(documents.tolist(), self.params) if len(documents) else None
        if tfidf is not None:
            rows = np.asarray(tfidf.getnnz(axis=1) > 0)
            reduced = _reduce(tfidf[rows], dim=self.params.dim, seed=self.params.seed)
            tagged = documents.index.to_numpy()[rows]
            vectors[tagged, : reduced.shape[1]] = reduced
            has_tags[tagged] = True

        logger.info(
            "tags: %d tags kept, %d items with tags, %d without",
            len(kept),
            int(has_tags.sum()),
            n_items - int(has_tags.sum()),
        )
        return {
            VECTORS: torch.from_numpy(vectors),
            HAS_TAGS: torch.from_numpy(has_tags),
        }


def train_side_tags(context: FeatureContext, *, time_cutoff: bool) -> pd.DataFrame:
    """Return the tags that may shape features, normalised, with an item_index column.

    Kept: tags whose (user, item) pair is a train rating and, with `time_cutoff`,
    no later than the user's last train rating.
    """
    tags = context.dataset.tags
    if tags is None or tags.empty:
        logger.info("tags: the dataset has no tags")
        return pd.DataFrame({"item_index": [], "tag": []})

    train = context.ratings.iloc[context.split.train]
    pairs = train[["user_id", "item_id", "item_index"]].drop_duplicates(
        ["user_id", "item_id"]
    )
    kept = tags.merge(pairs, on=["user_id", "item_id"], how="inner")
    dropped_pairs = len(tags) - len(kept)
    if time_cutoff:
        last = train.groupby("user_id")["timestamp"].max().rename("cutoff")
        kept = kept.join(last, on="user_id")
        kept = kept[kept["timestamp"] <= kept["cutoff"]]
    dropped_time = len(tags) - dropped_pairs - len(kept)

    kept = kept.dropna(subset=["tag"])
    kept = kept.assign(tag=kept["tag"].astype(str).map(normalise_tag))
    kept = kept[kept["tag"] != ""]
    logger.info(
        "tags: %d of %d tags kept; %d not on a train rating, %d after the user's "
        "last train rating",
        len(kept),
        len(tags),
        dropped_pairs,
        dropped_time,
    )
    return kept[["item_index", "tag"]]


def _tfidf(
    documents: list[list[str]], params: TagsParams
) -> scipy.sparse.csr_matrix | None:
    """Weight each item's terms; a term repeated by several users counts more."""
    analyzer: Callable[[list[str]], list[str]]
    if params.terms == "tag":
        analyzer = _tag_terms
    else:
        analyzer = _word_terms
    # sublinear_tf: ten users giving one tag should not outweigh the rest tenfold.
    vectorizer = TfidfVectorizer(
        analyzer=analyzer, min_df=params.min_df, sublinear_tf=True
    )
    try:
        return vectorizer.fit_transform(documents).tocsr()
    except ValueError:
        # Raised when min_df leaves no term at all.
        logger.warning("tags: no term is on at least %d items", params.min_df)
        return None


def _tag_terms(tags: list[str]) -> list[str]:
    return tags


def _word_terms(tags: list[str]) -> list[str]:
    return [word for tag in tags for word in _WORD.findall(tag)]


def _reduce(tfidf: scipy.sparse.csr_matrix, *, dim: int, seed: int) -> np.ndarray:
    """Project TF-IDF rows onto at most `dim` SVD components."""
    n_rows, n_terms = tfidf.shape
    components = min(dim, n_terms, n_rows)
    if n_terms < 2 or components < 1:
        # TruncatedSVD needs two terms; one term is already a dense vector.
        return tfidf.toarray()[:, :dim].astype(np.float32)
    svd = TruncatedSVD(n_components=components, random_state=seed)
    reduced = svd.fit_transform(tfidf)
    logger.info(
        "tags: %d terms reduced to %d components, %.0f%% of the variance",
        n_terms,
        components,
        100 * float(svd.explained_variance_ratio_.sum()),
    )
    return reduced.astype(np.float32)


def build(params: TagsParams) -> TagFeatures:
    return TagFeatures(params)


COMPONENT = Component(
    name="tags",
    description="TF-IDF + TruncatedSVD vector of each movie's train-side user tags",
    factory=build,
    params=TagsParams,
)
