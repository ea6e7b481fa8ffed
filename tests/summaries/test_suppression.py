"""Small-cell suppression: primary, secondary, and that nothing hidden can be worked out."""

from hypothesis import given, settings
from hypothesis import strategies as st

from summaries.suppression import SECONDARY, display, suppress, suppress_ratio

K = 5


def test_small_counts_are_hidden_and_zeros_and_large_counts_are_not():
    values = {"a": 0, "b": 1, "c": 4, "d": 5, "e": None}
    assert suppress(values, [], K) == {"b", "c"}


def test_a_lonely_hidden_member_takes_the_smallest_visible_member_with_it():
    values = {"total": 30, "f": 3, "m": 12, "x": 15}
    assert suppress(values, [("total", ["f", "m", "x"])], K) == {"f", "m"}


def test_the_total_is_hidden_when_no_other_member_can_be():
    values = {"total": 10, "f": 3, "m": 7}
    hidden = suppress(values, [("total", ["f", "m"])], K)
    assert hidden == {"f", "m"}
    values = {"total": 3, "f": 3, "m": 0}
    assert suppress(values, [("total", ["f", "m"])], K) == {"total", "f"}


def test_hidden_members_that_can_only_be_ones_get_company():
    # Two hidden cells summing to 2 must both be 1: hide one more.
    values = {"total": 22, "a": 1, "b": 1, "c": 20}
    assert suppress(values, [("total", ["a", "b", "c"])], K) == {"a", "b", "c"}


def test_secondary_suppression_repeats_across_groups():
    # Row group hides m1; the column group then has m1 alone hidden, so it hides n1 too.
    values = {"r": 20, "m1": 2, "m2": 18, "c": 40, "n1": 6, "n2": 32}
    groups = [("r", ["m1", "m2"]), ("c", ["m1", "n1", "n2"])]
    hidden = suppress(values, groups, K)
    assert {"m1", "m2", "n1"} <= hidden


def test_display_marks():
    assert display(None, False, K) == ""
    assert display(0, False, K) == "0"
    assert display(1234, False, K) == "1234"
    assert display(3, True, K) == "<5"
    assert display(40, True, K) == SECONDARY


def test_ratios_with_small_counts_are_hidden():
    assert suppress_ratio(2, 100, K)
    assert suppress_ratio(0, 3, K)
    assert not suppress_ratio(0, 40, K)
    assert not suppress_ratio(10, 40, K)


def _recoverable(values, groups, hidden):
    """Cells an attacker could compute exactly from shown totals and shown members."""
    found = set()
    for total, members in groups:
        if total in hidden or values.get(total) is None:
            continue
        secret = [m for m in members if m in hidden and values.get(m) is not None]
        if len(secret) == 1:
            found.add(secret[0])
        elif secret and sum(values[m] for m in secret) in (len(secret), len(secret) * (K - 1)):
            found.update(secret)
    return found


@st.composite
def tables(draw):
    rows = draw(st.integers(min_value=1, max_value=4))
    cols = draw(st.integers(min_value=1, max_value=4))
    count = st.one_of(st.integers(0, 8), st.integers(0, 200))
    cells = {(r, c): draw(count) for r in range(rows) for c in range(cols)}
    values = dict(cells)
    groups = []
    for r in range(rows):
        values[(r, "T")] = sum(cells[(r, c)] for c in range(cols))
        groups.append(((r, "T"), [(r, c) for c in range(cols)]))
    for c in range(cols):
        values[("T", c)] = sum(cells[(r, c)] for r in range(rows))
        groups.append((("T", c), [(r, c) for r in range(rows)]))
    values[("T", "T")] = sum(cells.values())
    groups.append((("T", "T"), [(r, "T") for r in range(rows)]))
    groups.append((("T", "T"), [("T", c) for c in range(cols)]))
    return values, groups


@settings(max_examples=300, deadline=None)
@given(tables())
def test_no_small_count_is_shown_and_no_hidden_cell_can_be_worked_out(table):
    values, groups = table
    hidden = suppress(values, groups, K)
    for key, value in values.items():
        if 0 < value < K:
            assert key in hidden
    assert not _recoverable(values, groups, hidden)
    # Deterministic: the same table gives the same answer.
    assert suppress(values, groups, K) == hidden
