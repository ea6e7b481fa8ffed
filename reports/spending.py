"""Spending lines of a report: what its activities cost, who paid, for which pillar.

Input for one line is a `SpendingInput`. Errors are dicts keyed by the names of the report form's
spending fields (`spending-<row>-amount`, `-source`, `-pillar`), so the form and the service
report the same problem next to the same field.

A line's pillar is one of the report's own pillars (the programme's main pillar and the ones the
reporter ticked): money spent on a report's activities serves what those activities serve.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from indicators.models import Donor, Pillar
from reports.models import MAX_SPENDING_VND, ActivityReport, FundingSource, Spending

MAX_LINES = 50  # far more than a report's activities have sources; keeps a page and a form sane
PREFIX = "spending"  # the form's prefix for the spending lines


@dataclass
class SpendingInput:
    """One line as typed: `row` is its place on the form (errors go next to it)."""

    amount: int | None
    source: str
    pillar: str
    donor_id: int | None = None
    row: int | None = None


def field_name(row: int, part: str) -> str:
    return f"{PREFIX}-{row}-{part}"


def inputs_from_spending(lines: Iterable[Spending]) -> list[SpendingInput]:
    return [
        SpendingInput(
            amount=line.amount,
            source=line.source,
            pillar=line.pillar,
            donor_id=line.donor_id,
            row=row,
        )
        for row, line in enumerate(lines)
    ]


def check_spending(
    report: ActivityReport, lines: list[SpendingInput], *, pillars: Iterable[str]
) -> dict[str, list[str]]:
    """Every rule the lines break, all at once: a whole amount from 0 to the maximum, a source
    from the list, a donor (from the list) exactly when the source is a donor, a pillar of the
    report's. `pillars` are the report's pillars as they will be saved."""
    errors: dict[str, list[str]] = {}
    if len(lines) > MAX_LINES:
        errors[PREFIX] = [_("A report can have at most %(n)s spending lines.") % {"n": MAX_LINES}]
    allowed_pillars = {report.programme.default_pillar, *pillars}
    donor_ids = {line.donor_id for line in lines if line.donor_id is not None}
    used = set(report.spending.values_list("donor_id", flat=True)) if report.pk else set()
    donors = Donor.objects.in_bulk(donor_ids)
    for position, line in enumerate(lines):
        row = position if line.row is None else line.row

        def add(part: str, message: str, row: int = row) -> None:
            errors.setdefault(field_name(row, part), []).append(message)

        if line.amount is None:
            add("amount", _("Enter the amount in đồng."))
        elif not isinstance(line.amount, int) or line.amount < 0:
            add("amount", _("An amount cannot be negative."))
        elif line.amount > MAX_SPENDING_VND:
            add(
                "amount",
                _("At most %(max)s đồng on one line: check the zeros, or split it into lines.")
                % {"max": number_format(MAX_SPENDING_VND, force_grouping=True)},
            )
        if line.source not in FundingSource.values:
            add("source", _("Choose who paid from the list."))
        elif line.source == FundingSource.DONOR:
            donor = donors.get(line.donor_id) if line.donor_id is not None else None
            if donor is None or not (donor.is_active or donor.pk in used):
                add("source", _("Choose the donor from the list."))
        elif line.donor_id is not None:
            add("source", _("Only a donor's line names a donor."))
        if line.pillar not in Pillar.values:
            add("pillar", _("Choose a pillar from the list."))
        elif line.pillar not in allowed_pillars:
            add(
                "pillar",
                _("Spending goes to one of the report's pillars: tick “%(pillar)s” above first.")
                % {"pillar": Pillar(line.pillar).label},
            )
    return errors


def spending_from_inputs(report: ActivityReport, lines: list[SpendingInput]) -> list[Spending]:
    """Unsaved rows for checked lines."""
    return [
        Spending(
            report=report,
            amount=line.amount or 0,  # checked: every line has an amount by now
            source=line.source,
            donor_id=line.donor_id if line.source == FundingSource.DONOR else None,
            pillar=line.pillar,
        )
        for line in lines
    ]


@dataclass
class SpendingRow:
    """A line as a page shows it."""

    amount: int
    source: str
    pillar: str


def spending_rows(lines: Iterable[Spending]) -> list[SpendingRow]:
    """Lines (saved, or as they were in a version) for a page: the donor named, by pillar and
    source. Donors are read in one query, whatever the number of lines."""
    lines = list(lines)
    donors = Donor.objects.in_bulk({line.donor_id for line in lines if line.donor_id})
    rows = []
    for line in lines:
        donor = donors.get(line.donor_id) if line.donor_id else None
        source = donor.name if donor else str(FundingSource(line.source).label)
        rows.append(SpendingRow(line.amount, source, str(Pillar(line.pillar).label)))
    rows.sort(key=lambda row: (row.pillar, row.source, -row.amount))
    return rows
