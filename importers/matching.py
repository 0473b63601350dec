"""Pair what a file holds with what the database already holds, and merge their orders. Pure.

A re-import matches sub-items, milestones and indicators stage by stage, from the surest key
to the loosest, so that an edited text or date keeps the row (and the reports, values and
achieved marks that hang on it), and a row left out of the file is left alone rather than
overwritten by its neighbour.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Stage:
    """One pass of `pair`: the key of an existing item and of a wanted item (None: the item
    takes no part in this pass). `single` pairs a key only when exactly one item on each side
    still has it."""

    old: Callable[[Any], Hashable | None]
    new: Callable[[Any], Hashable | None]
    single: bool = False


def pair(existing: Sequence[Any], wanted: Sequence[Any], stages: Sequence[Stage]) -> dict[int, int]:
    """Pair wanted items with existing ones, stage by stage; items with equal keys pair in
    their order. Returns {wanted index: existing index}."""
    first = stages[0] if stages else None
    if (
        first
        and not first.single
        and len(existing) == len(wanted)
        and _same(existing, wanted, first)
    ):
        # the usual re-import: the surest keys agree item by item, and pairing them in their
        # order (what the first stage does) pairs each item with the one at its own place
        return {j: j for j in range(len(wanted))}
    matched: dict[int, int] = {}
    taken: set[int] = set()
    for stage in stages:
        if len(matched) == len(wanted) or len(taken) == len(existing):
            break  # one side is used up: no later stage can pair anything
        olds: dict[Hashable, list[int]] = defaultdict(list)
        for i, item in enumerate(existing):
            if i not in taken and (key := stage.old(item)) is not None:
                olds[key].append(i)
        news: dict[Hashable, list[int]] = defaultdict(list)
        for j, item in enumerate(wanted):
            if j not in matched and (key := stage.new(item)) is not None:
                news[key].append(j)
        for key, js in news.items():
            candidates = olds.get(key, [])
            if stage.single and (len(candidates) != 1 or len(js) != 1):
                continue
            for j, i in zip(js, candidates, strict=False):
                matched[j] = i
                taken.add(i)
    return matched


def _same(existing: Sequence[Any], wanted: Sequence[Any], stage: Stage) -> bool:
    for old, new in zip(existing, wanted, strict=True):
        key = stage.old(old)
        if key is None or key != stage.new(new):
            return False
    return True


def merged_order(old: Sequence[Hashable], matched: Sequence[Hashable | None]) -> list[tuple]:
    """The order after a re-import: the file's items in the file's order, and each existing
    item the file leaves out kept just before the first file item that came after it.

    `old` is the existing items' keys in their current order; `matched` gives, for each file
    item in order, the key of the existing item it matched (None for a new one). Returns
    ("file", index in the file) and ("kept", key) entries in the new order.
    """
    in_file = {key for key in matched if key is not None}
    left_out = [key for key in old if key not in in_file]
    if not left_out:  # the usual re-import: the file holds every existing item
        return [("file", j) for j in range(len(matched))]
    position = {key: i for i, key in enumerate(old)}
    out: list[tuple] = []
    k = 0
    for j, key in enumerate(matched):
        if key is not None:
            while k < len(left_out) and position[left_out[k]] < position[key]:
                out.append(("kept", left_out[k]))
                k += 1
        out.append(("file", j))
    out.extend(("kept", key) for key in left_out[k:])
    return out
