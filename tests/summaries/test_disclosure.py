"""Disclosure control, attacked by a linear programme of the test's own.

The attacker below knows only what a reader sees: shown numbers, "x" marks (a count: zero or
more) and how the cells add up. For every hidden cell it asks HiGHS for the smallest
and largest value consistent with that, independently of `summaries.disclosure.audit`.
"""

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from summaries.disclosure import Problem, audit, primary_width, protect

K = 5


def attacker_intervals(values, hidden, equalities, k):
    """[low, high] of every hidden cell, from shown values, marks and the sums alone."""
    hidden = sorted(hidden, key=repr)
    index = {key: i for i, key in enumerate(hidden)}
    rows, constants = [], []
    for relation in equalities:
        row = np.zeros(len(hidden))
        constant = 0.0
        for key, coefficient in relation.items():
            if key in index:
                row[index[key]] += coefficient
            else:
                constant -= coefficient * values[key]
        if row.any():
            rows.append(row)
            constants.append(constant)
    bounds = [(0, None) for _key in hidden]
    intervals = {}
    for key, i in index.items():
        objective = np.zeros(len(hidden))
        objective[i] = 1
        extremes = []
        for sign in (1, -1):
            result = linprog(
                sign * objective,
                A_eq=np.array(rows) if rows else None,
                b_eq=np.array(constants) if rows else None,
                bounds=bounds,
                method="highs",
            )
            assert result.status in {0, 3}, "the true values must be feasible"
            extremes.append(sign * result.fun if result.status == 0 else np.inf)
        intervals[key] = tuple(extremes)
    return intervals


def whole_numbers(low, high):
    if np.isinf(high):
        return np.inf
    return int(np.floor(high + 1e-6)) - int(np.ceil(low - 1e-6)) + 1


def assert_nothing_recoverable(values, hidden, equalities, k=K):
    for key, value in values.items():
        if 0 < value < k:
            assert key in hidden, f"small count {key}={value} is shown"
    for key, (low, high) in attacker_intervals(values, hidden, equalities, k).items():
        assert low <= values[key] <= high
        needed = primary_width(k) if 0 < values[key] < k else 2
        assert whole_numbers(low, high) >= needed, (key, values[key], low, high)


def cube(counts):
    """A cube from counts[province][quarter][cell]: cells add up to the total of each
    province-quarter, provinces to the nation, quarters to the year."""
    provinces = range(len(counts))
    quarters = range(len(counts[0]))
    cells = range(len(counts[0][0]))
    values, equalities = {}, []
    places = [*provinces, "nation"]
    periods = [*quarters, "year"]
    for p, q, c in itertools.product(provinces, quarters, cells):
        values[(p, q, c)] = counts[p][q][c]
    for p, c in itertools.product(provinces, cells):
        values[(p, "year", c)] = sum(counts[p][q][c] for q in quarters)
    for period, c in itertools.product(periods, cells):
        values[("nation", period, c)] = sum(values[(p, period, c)] for p in provinces)
    for place, period in itertools.product(places, periods):
        values[(place, period, "total")] = sum(values[(place, period, c)] for c in cells)
        equalities.append({(place, period, "total"): 1, **{(place, period, c): -1 for c in cells}})
    for period, c in itertools.product(periods, [*cells, "total"]):
        equalities.append({("nation", period, c): 1, **{(p, period, c): -1 for p in provinces}})
    for place, c in itertools.product(places, [*cells, "total"]):
        equalities.append({(place, "year", c): 1, **{(place, q, c): -1 for q in quarters}})
    return values, equalities


def test_one_row_that_gave_a_small_count_away_is_protected():
    # TA-02 Lào Cai 2024-Q4 was published as total 29, other cells 23, female "<5", male "x":
    # the marks told female 1 and male 5. One mark for every hidden cell, and a partner hidden
    # beside each small count, leave a reader 0..6 for the 1.
    values = {"total": 29, "other": 23, "female": 1, "male": 5}
    equalities = [{"total": 1, "other": -1, "female": -1, "male": -1}]
    problem = Problem(values=values, k=K, equalities=equalities)

    assert [f.key for f in audit(problem, {"female"})] == ["female"]
    hidden = protect(problem)

    assert hidden == {"female", "male"}
    assert_nothing_recoverable(values, hidden, equalities)


def test_a_shown_revision_of_a_small_change_is_caught():
    values = {"before": 40, "after": 41}
    problem = Problem(values=values, k=K, revisions=[("before", "after")])

    findings = audit(problem, set())

    assert [f.reason for f in findings] == ["revision"]
    assert "after" in protect(problem)


def test_cells_published_earlier_keep_what_readers_saw():
    values, equalities = cube([[[2, 30, 12]], [[9, 8, 7]]])
    problem = Problem(values=values, k=K, equalities=equalities)
    shown_before = {(1, 0, 1)}

    hidden = protect(problem, may_hide=set(values) - shown_before)

    assert not hidden & shown_before
    assert_nothing_recoverable(values, hidden, equalities)


small_counts = st.integers(min_value=0, max_value=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.tuples(st.integers(2, 3), st.integers(2, 3)).flatmap(
        lambda shape: st.lists(
            st.lists(
                st.lists(small_counts, min_size=3, max_size=3),
                min_size=shape[1],
                max_size=shape[1],
            ),
            min_size=shape[0],
            max_size=shape[0],
        )
    )
)
def test_no_hidden_cell_of_a_random_cube_can_be_worked_out(counts):
    values, equalities = cube(counts)
    problem = Problem(values=values, k=K, equalities=equalities)

    hidden = protect(problem)

    assert audit(problem, hidden) == []
    assert_nothing_recoverable(values, hidden, equalities)
