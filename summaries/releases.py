"""Deciding what a release hides, over everything published for its year, and auditing it.

Every release of a year is a version of that year's cube. A reader holds them all, so they are
audited as one system: a cell that kept its value from one release to the next is one unknown
(a reader may assume it did not change); a cell whose value changed is a new unknown, and the
change itself (a revision) must not be worked out when it is small.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from indicators.models import Indicator
from summaries.cube import (
    CellKey,
    Cube,
    CubeCell,
    PartKey,
    cube_from_cells,
    cube_from_summaries,
    relations,
    window,
)
from summaries.disclosure import Finding, Problem, audit, protect

LPKey = tuple[PartKey, int]  # a cell's part, with its value: one unknown to a reader


@dataclass
class Version:
    """A cube as published (hidden known) or about to be (hidden None)."""

    cube: Cube
    hidden: set[PartKey] | None = None


@dataclass
class Decision:
    cube: Cube
    hidden: set[PartKey]
    seconds: float


def assemble(versions: list[Version], k: int) -> tuple[Problem, list[dict[PartKey, LPKey]]]:
    """The attacker's system over every version, and each version's map to its unknowns."""
    values: dict = {}
    equalities: dict[frozenset, dict] = {}
    inequalities: dict[frozenset, dict] = {}
    revisions: list[tuple[LPKey, LPKey]] = []
    maps: list[dict[PartKey, LPKey]] = []
    latest: dict[PartKey, LPKey] = {}
    for version in versions:
        mapping: dict[PartKey, LPKey] = {}
        for part_key, value in version.cube.values().items():
            unknown = (part_key, value)
            values[unknown] = value
            mapping[part_key] = unknown
            earlier = latest.get(part_key)
            # A period's cell that changed is a revision; a year's cell also grows as quarters
            # arrive, and that growth is the new quarters' cells, audited as cells.
            if (
                earlier is not None
                and earlier != unknown
                and part_key[0][2] != str(year_of(part_key))
            ):
                revisions.append((earlier, unknown))
            latest[part_key] = unknown
        found = relations(version.cube)
        for target, relation_list in (
            (equalities, found.equalities),
            (inequalities, found.inequalities),
        ):
            for relation in relation_list:
                mapped = {mapping.get(key, key): c for key, c in relation.items()}
                target.setdefault(frozenset(mapped.items()), mapped)
        maps.append(mapping)
    problem = Problem(
        values=values,
        k=k,
        equalities=list(equalities.values()),
        inequalities=list(inequalities.values()),
        revisions=revisions,
    )
    return problem, maps


def year_of(part_key: PartKey) -> int:
    return int(part_key[0][2][:4])


def decide(year: int, quarter: int, *, k: int, earlier: Iterable[Version]) -> Decision:
    """What a new release of the year through the quarter hides, given what is published."""
    started = time.perf_counter()
    versions = [*earlier, Version(cube_from_summaries(year, quarter))]
    problem, maps = assemble(versions, k)
    already_hidden: set = set()
    shown_before: set = set()
    for version, mapping in zip(versions[:-1], maps[:-1], strict=True):
        hidden = version.hidden or set()
        for part_key, unknown in mapping.items():
            (already_hidden if part_key in hidden else shown_before).add(unknown)
    new = maps[-1]
    hidden_unknowns = protect(
        problem,
        already_hidden=already_hidden,
        may_hide=set(new.values()) - shown_before,
    )
    return Decision(
        cube=versions[-1].cube,
        hidden={part_key for part_key, unknown in new.items() if unknown in hidden_unknowns},
        seconds=time.perf_counter() - started,
    )


def audit_versions(versions: list[Version], *, k: int) -> list[Finding]:
    """The attacker's audit of every published version of a year, together."""
    problem, maps = assemble(versions, k)
    hidden = {
        mapping[part_key]
        for version, mapping in zip(versions, maps, strict=True)
        for part_key in version.hidden or set()
    }
    return audit(problem, hidden)


def hidden_parts(cells: Iterable[Any]) -> set[PartKey]:
    """The hidden parts of stored release cells (ReleaseCell rows)."""
    hidden = set()
    for cell in cells:
        key = (
            cell.indicator_id,
            cell.province_id or 0,
            cell.period_code,
            cell.dimension,
            cell.category,
        )
        for part in ("value", "numerator", "denominator"):
            if getattr(cell, f"{part}_hidden"):
                hidden.add((key, part))
    return hidden


def published_version(release: Any) -> Version:
    """A stored release (a Release row) as its cube and the parts it hid; its cells read once."""
    cells = list(release.cells_set.all())
    return Version(cube_from_cells(release.year, release.quarter, cells), hidden_parts(cells))


def published_versions(releases: Iterable[Any]) -> list[Version]:
    """The versions of stored releases, oldest first."""
    return [published_version(release) for release in releases]


# Releases read for pages, by (release, when published): a published release never changes, so
# its cells are turned into a cube once per process, not at every page view. Small: a page reads
# the year shown and the years before it.
READ_CACHE_SIZE = 16
_read: "OrderedDict[tuple[int, Any], tuple[dict[CellKey, CubeCell], set[PartKey]]]" = OrderedDict()
_read_lock = threading.Lock()


def read_version(release: Any) -> Version:
    """`published_version` for the pages: the cells from this process's cache after the first
    read; the catalogue (indicator names) and periods are read fresh each time. Never use it to
    audit or publish, which must read what is stored."""
    key = (release.pk, release.published_at)
    with _read_lock:
        found = _read.get(key)
        if found is not None:
            _read.move_to_end(key)
    if found is None:
        version = published_version(release)
        with _read_lock:
            _read[key] = (version.cube.cells, version.hidden or set())
            while len(_read) > READ_CACHE_SIZE:
                _read.popitem(last=False)
        return version
    cells, hidden = found
    periods = window(release.year, release.quarter)
    cube = Cube(
        year=release.year,
        quarter=release.quarter,
        indicators=Indicator.objects.in_bulk({cell_key[0] for cell_key in cells}),
        cells=cells,
        period_order={period.code: period.start_date for period in periods},
    )
    return Version(cube, hidden)
