"""Ranked lists shared by the ranking metrics of one evaluation.

Scoring every user on every item is the expensive step (162,000 users by 59,000
items on ml-25m), and every ranking metric of a run needs the same lists. Each
metric calls `ranked_lists`, which computes them once per EvalContext and settings.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from ncfkit.components import EvalContext
from ncfkit.metrics.ranking.full import rank_full
from ncfkit.metrics.ranking.lists import RankedLists
from ncfkit.metrics.ranking.params import DEFAULT_K, DEFAULT_THRESHOLD, Protocol
from ncfkit.metrics.ranking.sampled import rank_sampled


@dataclass(frozen=True)
class _Entry:
    context: weakref.ref[EvalContext]
    lists: RankedLists
    threshold: float
    negatives: int


# Lists of recent contexts. A context that was garbage collected never matches,
# because its weak reference returns None.
_MAX_ENTRIES = 8
_entries: list[_Entry] = []


def ranked_lists(
    ctx: EvalContext,
    *,
    protocol: Protocol,
    k: int | None,
    threshold: float | None,
    negatives: int,
) -> RankedLists:
    """Return the lists for these settings, computed at most once per context.

    `k=None` accepts lists of any cutoff (for MRR, which reads only the first
    relevant rank), and `threshold=None` lists for any threshold (for coverage,
    which reads only the top-K items). Missing lists are computed with the
    defaults in their place.
    """
    for entry in _entries:
        lists = entry.lists
        if (
            entry.context() is ctx
            and lists.protocol == protocol
            and (k is None or lists.k == k)
            and (threshold is None or entry.threshold == threshold)
            and (protocol == "full" or entry.negatives == negatives)
        ):
            return lists

    k = DEFAULT_K if k is None else k
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    if protocol == "full":
        lists = rank_full(ctx, k=k, threshold=threshold)
    else:
        lists = rank_sampled(ctx, k=k, threshold=threshold, negatives=negatives)

    _entries[:] = [e for e in _entries if e.context() is not None][-_MAX_ENTRIES + 1 :]
    _entries.append(_Entry(weakref.ref(ctx), lists, threshold, negatives))
    return lists
