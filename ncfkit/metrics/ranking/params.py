"""Parameters of the ranking metrics and the result keys they produce.

Result keys name the cutoff and the protocol, so that numbers from the two protocols
are never confused: `ndcg@10` is NDCG@10 under full ranking, `ndcg@10/sampled99` the
same metric under the sampled protocol with 99 negatives. MRR has no cutoff (`mrr`,
`mrr/sampled99`), and catalog coverage exists only under full ranking (`coverage@10`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ncfkit.params import param

Protocol = Literal["full", "sampled"]

DEFAULT_K = 10
DEFAULT_THRESHOLD = 4.0
DEFAULT_NEGATIVES = 99  # He et al., "Neural Collaborative Filtering", WWW 2017

_K_HELP = "length of the ranked list that is evaluated (the K in NDCG@K)"
_THRESHOLD_HELP = "held-out ratings at or above this many stars are relevant"
_PROTOCOL_HELP = (
    "full: rank every item the user has not interacted with, or sampled: rank each "
    "relevant held-out item against `negatives` items the user never rated"
)
_NEGATIVES_HELP = "sampled items ranked with each held-out item (sampled protocol only)"


@dataclass(frozen=True)
class RankingParams:
    """Parameters of the cutoff metrics: HR, NDCG, precision and recall at K."""

    k: int = param(DEFAULT_K, _K_HELP)
    threshold: float = param(DEFAULT_THRESHOLD, _THRESHOLD_HELP)
    protocol: Protocol = param("full", _PROTOCOL_HELP)
    negatives: int = param(DEFAULT_NEGATIVES, _NEGATIVES_HELP)

    def __post_init__(self) -> None:
        check_k(self.k)
        check_protocol(threshold=self.threshold, negatives=self.negatives)


@dataclass(frozen=True)
class MRRParams:
    """Parameters of mean reciprocal rank, which looks at the whole ranked list."""

    threshold: float = param(DEFAULT_THRESHOLD, _THRESHOLD_HELP)
    protocol: Protocol = param("full", _PROTOCOL_HELP)
    negatives: int = param(DEFAULT_NEGATIVES, _NEGATIVES_HELP)

    def __post_init__(self) -> None:
        check_protocol(threshold=self.threshold, negatives=self.negatives)


@dataclass(frozen=True)
class CoverageParams:
    """Parameters of catalog coverage, which needs the full ranking's top-K lists."""

    k: int = param(DEFAULT_K, _K_HELP)

    def __post_init__(self) -> None:
        check_k(self.k)


def check_k(k: int) -> None:
    """Raise ValueError unless the cutoff K is at least 1."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")


def check_protocol(*, threshold: float, negatives: int) -> None:
    """Raise ValueError for a relevance threshold or a negative count out of range."""
    if threshold <= 0:
        raise ValueError(
            f"threshold must be a positive number of stars (for example 4.0), "
            f"got {threshold}"
        )
    if negatives < 1:
        raise ValueError(
            f"negatives must be at least 1 (He et al. 2017 use 99), got {negatives}"
        )


def result_key(name: str, *, k: int | None, protocol: Protocol, negatives: int) -> str:
    """Build the result key, for example `hr@10`, `hr@10/sampled99` or `mrr`."""
    key = name if k is None else f"{name}@{k}"
    return key if protocol == "full" else f"{key}/sampled{negatives}"
