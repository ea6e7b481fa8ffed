"""Small-cell suppression for published figures.

Primary suppression hides every non-zero count below K. Secondary suppression then makes sure a
hidden cell cannot be worked out from the totals it belongs to: for each group (a total and the
members that add up to it) whose total is shown, a hidden member must not be alone, and the
hidden members together must not be pinned down by what is left (their sum equal to their
number, or to their number times K-1, would tell every one of them). When a group is unsafe,
the smallest shown non-zero member is hidden too, or the total when no member is left to hide.
The rules repeat until no group changes, because hiding a cell can make another group unsafe.

Zeros are never hidden for their own sake: a zero says nobody was counted, which discloses
nothing about a person. A total is hidden whatever its value when that is the only way left.
"""

from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

from django.conf import settings
from django.utils.formats import number_format

Key = TypeVar("Key", bound=Hashable)
Group = tuple[Key, Sequence[Key]]  # a total and the members that add up to it


def min_cell() -> int:
    """K, the smallest count that may be published (setting SUMMARY_MIN_CELL, default 5)."""
    k: int = settings.SUMMARY_MIN_CELL
    return k


def is_small(value: int | None, k: int) -> bool:
    """A count that must not be published: more than nobody, fewer than K."""
    return value is not None and 0 < value < k


def _unsafe(values: Mapping[Key, int | None], members: Sequence[Key], hidden: set[Key]) -> bool:
    secret = [m for m in members if m in hidden and values.get(m) is not None]
    if not secret:
        return False
    if len(secret) == 1:
        return True
    total = sum(values[m] or 0 for m in secret)
    return total == len(secret)


def _unsafe_with_k(
    values: Mapping[Key, int | None], members: Sequence[Key], hidden: set[Key], k: int
) -> bool:
    if _unsafe(values, members, hidden):
        return True
    secret = [m for m in members if m in hidden and values.get(m) is not None]
    return len(secret) > 1 and sum(values[m] or 0 for m in secret) == len(secret) * (k - 1)


def suppress(values: Mapping[Key, int | None], groups: Sequence[Group[Key]], k: int) -> set[Key]:
    """Return the keys to hide. `values` maps keys to counts (None: no data, shown as blank)."""
    hidden = {key for key, value in values.items() if is_small(value, k)}
    if k <= 1:
        return hidden
    changed = True
    while changed:
        changed = False
        for total_key, members in groups:
            if total_key in hidden or values.get(total_key) is None:
                continue
            if not _unsafe_with_k(values, members, hidden, k):
                continue
            candidates = sorted(
                (m for m in members if m not in hidden and values.get(m)),
                key=lambda m: (values[m], repr(m)),
            )
            hidden.add(candidates[0] if candidates else total_key)
            changed = True
    return hidden


SECONDARY = "x"


def display(value: int | None, hidden: bool, k: int, *, localize: bool = False) -> str:
    """How a count is published: blank for no data, the number, or a mark when hidden.

    A small count shows as "<K"; a larger one hidden only to protect a small one shows as
    "x" (the statistical mark for "confidential"), so no published mark is untrue.
    """
    if value is None:
        return ""
    if hidden:
        return f"<{k}" if value < k else SECONDARY
    if localize:
        # Pages group digits the reader's way (1.234 in Vietnamese); files keep plain digits.
        return number_format(int(value), force_grouping=True)
    return str(int(value))


def suppress_ratio(numerator: int | None, denominator: int | None, k: int) -> bool:
    """A ratio is hidden when its denominator is a small count (the numerator would tell)."""
    return is_small(denominator, k) or is_small(numerator, k)
