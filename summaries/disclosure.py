"""Disclosure control over everything published together, checked as an attacker would.

Everything published is a set of cells (a count, a numerator or a denominator of one indicator,
place, period and disaggregation cell) tied by linear relations the reader knows: cells add up to
their total, provinces to the nation, quarters to the year (for flows), a numerator never exceeds
its denominator, counts are never negative. A hidden cell is a variable; a shown cell a constant.
What a reader learns of a hidden cell is the interval its value can take under those relations:
`audit` computes it with a linear programme per cell (HiGHS, through scipy), as an attacker would.

The rules (K = the minimum cell, SUMMARY_MIN_CELL):
- a count from 1 to K-1 is never shown ("primary"), and its interval must keep at least
  `primary_width(K)` whole numbers;
- any other cell hidden to protect one ("secondary") must not be recoverable exactly;
- a revised cell whose value changed by a small amount must not let the change be worked out.
Every hidden cell carries the same mark ("x"), whatever its value, zero included: a mark that
told small counts from large ones ("<5" beside "x") would tell the reader part of what it hides,
and, on small data, too much (three cells marked "<5" under a total marked "<5" are 1 or 2).

`protect` chooses the hidden cells: the primary ones, then, as long as the audit finds a weakness,
the shown cell nearest to the weak one that costs least (the smallest non-zero value; a zero only
when nothing else is left).
"""

import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from scipy.optimize import linprog

Key = Any  # any hashable: cells are named by whoever builds the problem
Relation = Mapping[Key, int]  # sum(coefficient * cell) == 0 (equality) or <= 0 (inequality)
CONSTANT = "constant"  # a relation's constant term: coefficient * 1
Related = Mapping[Key, list[Relation]]
Hideable = Callable[[Key], bool]

SECONDARY = "x"  # the one mark of every hidden cell
TOLERANCE = 1e-6
RANDOM_PROBES = 4  # cheap LPs per component whose solutions often prove many cells safe at once


class Unprotectable(Exception):
    """No more cells may be hidden, yet the audit still finds weak ones."""

    def __init__(self, findings: list["Finding"]):
        super().__init__(f"{len(findings)} hidden cells stay too narrow")
        self.findings = findings


@dataclass
class Problem:
    """Every published cell with its true value, and what a reader knows ties them together."""

    values: dict[Key, int]
    k: int
    equalities: list[Relation] = field(default_factory=list)
    inequalities: list[Relation] = field(default_factory=list)
    # (earlier version, later version) of a revised cell: the change must stay protected too.
    revisions: list[tuple[Key, Key]] = field(default_factory=list)

    def is_primary(self, key: Key) -> bool:
        return 0 < self.values[key] < self.k


@dataclass(frozen=True)
class Finding:
    """A hidden quantity a reader can pin down too closely: its feasible interval [low, high]."""

    key: Key
    low: float
    high: float
    reason: str


def min_cell() -> int:
    """K, the smallest count that may be published (setting SUMMARY_MIN_CELL, default 5)."""
    return int(settings.SUMMARY_MIN_CELL)


def primary_width(k: int) -> int:
    """Whole numbers a primary cell's interval must keep: 3, or all of [1, K-1] when K < 4."""
    return min(3, k - 1)


def _whole_numbers(low: float, high: float) -> float:
    """How many whole numbers lie in [low, high] (infinity for an unbounded interval)."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return float("inf")
    return max(0, int(np.floor(high + TOLERANCE)) - int(np.ceil(low - TOLERANCE)) + 1)


def _bounds(problem: Problem, key: Key) -> tuple[float, float | None]:
    """What the published mark says of a hidden cell: a count, so zero or more."""
    return 0.0, None


class _Component:
    """The hidden cells that relations tie together, and those relations with shown cells folded
    into constants. Independent components are solved separately (small LPs)."""

    def __init__(self, problem: Problem, keys: list[Key], hidden: set[Key]):
        self.problem = problem
        self.keys = keys
        self.index = {key: i for i, key in enumerate(keys)}
        self.a_eq, self.b_eq = self._rows(problem.equalities, hidden)
        self.a_ub, self.b_ub = self._rows(problem.inequalities, hidden)
        self.bounds = [_bounds(problem, key) for key in keys]

    def _rows(
        self, relations: Sequence[Relation], hidden: set[Key]
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        rows, constants = [], []
        for relation in relations:
            if not any(key in self.index for key in relation):
                continue
            row = np.zeros(len(self.keys))
            constant = 0.0
            for key, coefficient in relation.items():
                if key == CONSTANT:
                    constant -= coefficient
                elif key in hidden:
                    row[self.index[key]] += coefficient
                else:
                    constant -= coefficient * self.problem.values[key]
            rows.append(row)
            constants.append(constant)
        if not rows:
            return None, None
        return np.array(rows), np.array(constants)

    def solve(self, objective: np.ndarray) -> np.ndarray | None:
        result = linprog(
            objective,
            A_ub=self.a_ub,
            b_ub=self.b_ub,
            A_eq=self.a_eq,
            b_eq=self.b_eq,
            bounds=self.bounds,
            method="highs",
        )
        return result.x if result.status == 0 else None

    def extent(self, objective: np.ndarray) -> tuple[float, float]:
        """Smallest and largest value of objective . x over what the reader knows."""
        low = self.solve(objective)
        high = self.solve(-objective)
        low_value = float(objective @ low) if low is not None else float("-inf")
        high_value = float(objective @ high) if high is not None else float("inf")
        return low_value, high_value


def _components(problem: Problem, hidden: set[Key]) -> list[list[Key]]:
    parent = {key: key for key in hidden}

    def find(key: Key) -> Key:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for relation in [*problem.equalities, *problem.inequalities]:
        members = [key for key in relation if key in hidden]
        for other in members[1:]:
            parent[find(other)] = find(members[0])
    for before, after in problem.revisions:
        if before in hidden and after in hidden:
            parent[find(after)] = find(before)
    groups: dict[Key, list[Key]] = defaultdict(list)
    for key in hidden:
        groups[find(key)].append(key)
    return list(groups.values())


def _needed_width(problem: Problem, key: Key) -> int:
    """Whole numbers the interval of a hidden cell must keep."""
    return primary_width(problem.k) if problem.is_primary(key) else 2


def audit(problem: Problem, hidden: set[Key], *, seed: int = 0) -> list[Finding]:
    """Every hidden cell (and revised change) a reader can pin down too closely."""
    findings = []
    rng = random.Random(seed)  # noqa: S311 - probe directions, not secrets
    for keys in _components(problem, hidden):
        component = _Component(problem, sorted(keys, key=repr), hidden)
        size = len(component.keys)
        seen_low = np.full(size, np.inf)
        seen_high = np.full(size, -np.inf)
        # Feasible points from a few directions: a cell seen taking values far enough apart is
        # safe without LPs of its own.
        for _ in range(RANDOM_PROBES):
            point = component.solve(np.array([rng.uniform(-1, 1) for _ in range(size)]))
            if point is None:
                break
            seen_low, seen_high = np.minimum(seen_low, point), np.maximum(seen_high, point)
        for i, key in enumerate(component.keys):
            needed = _needed_width(problem, key)
            if _whole_numbers(seen_low[i], seen_high[i]) >= needed:
                continue
            unit = np.zeros(size)
            unit[i] = 1
            low, high = component.extent(unit)
            if _whole_numbers(low, high) < needed:
                reason = "primary" if problem.is_primary(key) else "exact"
                findings.append(Finding(key, low, high, reason))
        findings += _revision_findings(problem, component, hidden)
    findings += _shown_revisions(problem, hidden)
    return findings


def _revision_findings(problem: Problem, component: _Component, hidden: set[Key]) -> list[Finding]:
    """A small change between two hidden versions of a cell must stay uncertain."""
    findings = []
    for before, after in problem.revisions:
        change = problem.values[after] - problem.values[before]
        if not (0 < abs(change) < problem.k) or after not in component.index:
            continue
        if before not in hidden:
            continue
        objective = np.zeros(len(component.keys))
        objective[component.index[after]] += 1
        objective[component.index[before]] -= 1
        low, high = component.extent(objective)
        if _whole_numbers(low, high) < primary_width(problem.k):
            findings.append(Finding(after, low, high, "revision"))
    return findings


def _shown_revisions(problem: Problem, hidden: set[Key]) -> list[Finding]:
    """A small change is disclosed outright when both versions are shown."""
    return [
        Finding(after, problem.values[after], problem.values[after], "revision")
        for before, after in problem.revisions
        if 0 < abs(problem.values[after] - problem.values[before]) < problem.k
        and before not in hidden
        and after not in hidden
    ]


def _cost(problem: Problem, key: Key) -> tuple[bool, int, str]:
    """What hiding a cell costs readers: its value, zeros last."""
    value = problem.values[key]
    return value == 0, value, repr(key)


def _nearest_hideable(
    problem: Problem, key: Key, hidden: set[Key], related: Related, hideable: Hideable
) -> Key | None:
    """The shown non-zero cell nearest to `key` whose hiding costs least.

    Nearest: in a relation of `key` or, through hidden cells, of a cell tied to it, since what
    pins a cell down may be several relations away. Cheapest: the smallest non-zero value, and a
    zero only when nothing else is left there (a zero says nobody was counted; readers lose
    little, but hiding it rarely helps)."""
    seen = {key}
    frontier = [key]
    while frontier:
        candidates, following = set(), []
        for cell in frontier:
            for relation in related[cell]:
                for other in relation:
                    if other == CONSTANT or other in seen:
                        continue
                    seen.add(other)
                    if other in hidden:
                        following.append(other)
                    elif hideable(other):
                        candidates.add(other)
        if candidates:
            return min(candidates, key=lambda other: _cost(problem, other))
        frontier = following
    return None


def protect(
    problem: Problem,
    *,
    already_hidden: Iterable[Key] = (),
    may_hide: set[Key] | None = None,
    max_rounds: int = 200,
) -> set[Key]:
    """The cells to hide so that the audit passes.

    `already_hidden` stay hidden (earlier publications); only cells in `may_hide` (default: all)
    are hidden to protect others, so cells published earlier keep what readers have seen.
    """
    hidden = {key for key in problem.values if problem.is_primary(key)} | set(already_hidden)
    related: dict[Key, list[Relation]] = defaultdict(list)
    # Inequalities pin cells too (a numerator under a shown zero denominator is zero): their
    # cells are partners a finding may hide, as those of the equalities are.
    for relation in [*problem.equalities, *problem.inequalities]:
        for key in relation:
            related[key].append(relation)
    related.pop(CONSTANT, None)
    for before, after in problem.revisions:
        pair = {before: -1, after: 1}
        related[before].append(pair)
        related[after].append(pair)

    def hideable(key: Key) -> bool:
        return may_hide is None or key in may_hide

    for _round in range(max_rounds):
        added = _close_singletons(problem, hidden, related, hideable)
        findings = audit(problem, hidden)
        if not findings and not added:
            return hidden
        added_now: set[Key] = set()
        for finding in findings:
            # One new hidden cell per relation and round: it may already protect this cell too.
            if any(key in added_now for relation in related[finding.key] for key in relation):
                continue
            if finding.key not in hidden:  # a revised change shown outright: hide the cell
                hidden.add(finding.key)
                added_now.add(finding.key)
                continue
            partner = _nearest_hideable(problem, finding.key, hidden, related, hideable)
            if partner is not None:
                hidden.add(partner)
                added_now.add(partner)
        if not added_now and findings:
            raise Unprotectable(findings)
    raise Unprotectable(audit(problem, hidden))


def _close_singletons(
    problem: Problem, hidden: set[Key], related: Related, hideable: Hideable
) -> bool:
    """A relation with exactly one hidden cell gives it away: hide a partner (cheap, no LP)."""
    added = False
    changed = True
    while changed:
        changed = False
        for relation in problem.equalities:
            secret = [key for key in relation if key in hidden]
            if len(secret) != 1:
                continue
            shown = [
                key for key in relation if key != CONSTANT and key not in hidden and hideable(key)
            ]
            if shown:
                hidden.add(min(shown, key=lambda key: _cost(problem, key)))
                added = changed = True
    return added
