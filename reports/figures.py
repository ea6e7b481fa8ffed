"""Figures of a report: how they are laid out, checked and stored.

Input for one indicator is a `FigureInput`. Errors are dicts keyed by form field names, so the form
and the service report the same problem next to the same field.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.formats import get_format, number_format
from django.utils.translation import gettext as _

from indicators.models import Indicator
from reports.disaggregation import DIMENSIONS, TOTAL
from reports.models import ActivityReport, Figure

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MAX_FIGURE = 10_000_000  # far above any real quarterly count; catches typing slips


@dataclass
class FigureInput:
    not_applicable: bool = False
    total: int | None = None
    numerator: int | None = None
    denominator: int | None = None
    cells: dict[tuple[str, str], int | None] = field(default_factory=dict)
    # A ratio indicator's cells: a numerator and a denominator per (dimension, category).
    numerators: dict[tuple[str, str], int | None] = field(default_factory=dict)
    denominators: dict[tuple[str, str], int | None] = field(default_factory=dict)

    def is_empty(self) -> bool:
        values = [
            self.total,
            self.numerator,
            self.denominator,
            *self.cells.values(),
            *self.numerators.values(),
            *self.denominators.values(),
        ]
        return not self.not_applicable and all(v is None for v in values)


def field_name(indicator: Indicator, part: str, category: str = "", ratio_part: str = "") -> str:
    """Form field name: `<code>__total`, `__num`, `__den`, `__na`, a count's cell
    `<code>__sex__female`, or a ratio's cell `<code>__sex__female__num` (and `__den`)."""
    name = f"{indicator.code}__{part}__{category}" if category else f"{indicator.code}__{part}"
    return f"{name}__{ratio_part}" if ratio_part else name


def dimension_layout(
    indicator: Indicator,
) -> "list[tuple[str, StrOrPromise, list[tuple[str, StrOrPromise]]]]":
    """(dimension key, label, categories) for each breakdown the indicator declares, with only
    the categories it declares valid."""
    return [
        (key, DIMENSIONS[key][0], indicator.categories_of(key)) for key in indicator.disaggregations
    ]


def _ratio_cells(indicator: Indicator, data: "FigureInput"):
    """(dimension, category, numerator, denominator) of each declared cell of a ratio."""
    for dimension, _label, cells in dimension_layout(indicator):
        for category, _c in cells:
            key = (dimension, category)
            yield dimension, category, data.numerators.get(key), data.denominators.get(key)


def _add(errors: dict, name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def rule_messages() -> dict[str, str]:
    """The figure rules' messages, in the active language: the checks below use them, and
    `figure_rules` hands the same text to the offline form, so both sides say the same thing."""
    return {
        "whole": _("Enter a whole number."),
        "negative": _("A figure cannot be negative."),
        "too_large": _("This is more than %(max)s: check the figure."),
        "ratio": _("The numerator cannot be larger than the denominator."),
        "na_with_figures": _("Leave the figures empty when the indicator does not apply."),
        "missing": _("Enter a figure, or tick “not applicable”."),
        "cells_sum": _(
            "The %(dimension)s cells add up to %(sum)s, not to the total %(total)s. "
            "Use “not recorded” where the detail is unknown."
        ),
        "numerators_sum": _(
            "The %(dimension)s numerators add up to %(sum)s, not to the "
            "numerator %(total)s. Use “not recorded” where the detail is unknown."
        ),
        "denominators_sum": _(
            "The %(dimension)s denominators add up to %(sum)s, not to the "
            "denominator %(total)s. Use “not recorded” where the detail is unknown."
        ),
    }


def figure_rules() -> dict:
    """The figure rules as data, for the offline form (static/js/offline/rules.js applies them
    exactly as `check_values` and `check_complete` do): the limit, the messages and how numbers
    are written in them, and the lower-case name of each breakdown used in the sums' messages."""
    return {
        "max_figure": MAX_FIGURE,
        "max_figure_text": number_format(MAX_FIGURE, force_grouping=True),
        "thousand_separator": str(get_format("THOUSAND_SEPARATOR")),
        "number_grouping": int(get_format("NUMBER_GROUPING")),
        "messages": rule_messages(),
        "dimensions": {key: str(label).lower() for key, (label, _c) in DIMENSIONS.items()},
    }


def check_values(indicators: Iterable[Indicator], inputs: dict[int, FigureInput]) -> dict:
    """Rules that hold for every save, drafts included: whole, non-negative, sane, num <= den."""
    errors: dict[str, list[str]] = {}
    says = rule_messages()
    for indicator in indicators:
        data = inputs.get(indicator.pk)
        if data is None:
            continue
        named = [
            (field_name(indicator, "total"), data.total),
            (field_name(indicator, "num"), data.numerator),
            (field_name(indicator, "den"), data.denominator),
        ] + [(field_name(indicator, dim, cat), v) for (dim, cat), v in data.cells.items()]
        named += [
            (field_name(indicator, dim, cat, "num"), v) for (dim, cat), v in data.numerators.items()
        ] + [
            (field_name(indicator, dim, cat, "den"), v)
            for (dim, cat), v in data.denominators.items()
        ]
        for name, value in named:
            if value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                _add(errors, name, says["whole"])
            elif value < 0:
                _add(errors, name, says["negative"])
            elif value > MAX_FIGURE:
                _add(
                    errors,
                    name,
                    says["too_large"] % {"max": number_format(MAX_FIGURE, force_grouping=True)},
                )
        if (
            isinstance(data.numerator, int)
            and isinstance(data.denominator, int)
            and data.numerator > data.denominator
        ):
            _add(errors, field_name(indicator, "num"), says["ratio"])
        if indicator.is_ratio:
            for dimension, category, numerator, denominator in _ratio_cells(indicator, data):
                if (
                    isinstance(numerator, int)
                    and isinstance(denominator, int)
                    and numerator > denominator
                ):
                    _add(errors, field_name(indicator, dimension, category, "num"), says["ratio"])
        if data.not_applicable and any(value is not None for _name, value in named):
            _add(errors, field_name(indicator, "na"), says["na_with_figures"])
    return errors


def check_complete(indicators: Iterable[Indicator], inputs: dict[int, FigureInput]) -> dict:
    """Rules for submission: every indicator answered, and the cells add up to the total."""
    errors: dict[str, list[str]] = {}
    says = rule_messages()
    for indicator in indicators:
        data = inputs.get(indicator.pk) or FigureInput()
        if data.not_applicable:
            continue
        if indicator.is_ratio:
            missing = False
            for part, value in (("num", data.numerator), ("den", data.denominator)):
                if value is None:
                    missing = True
                    _add(errors, field_name(indicator, part), says["missing"])
            if not missing:
                _ratio_cells_add_up(errors, indicator, data, says)
            continue
        if data.total is None:
            _add(errors, field_name(indicator, "total"), says["missing"])
            continue
        for dimension, label, cells in dimension_layout(indicator):
            cell_sum = sum(data.cells.get((dimension, cat)) or 0 for cat, _label in cells)
            if cell_sum != data.total:
                _add(
                    errors,
                    field_name(indicator, dimension, cells[0][0]),
                    says["cells_sum"]
                    % {
                        "dimension": str(label).lower(),
                        "sum": number_format(cell_sum, force_grouping=True),
                        "total": number_format(data.total, force_grouping=True),
                    },
                )
    return errors


def _ratio_cells_add_up(
    errors: dict, indicator: Indicator, data: FigureInput, says: dict[str, str]
) -> None:
    """Each breakdown's numerators add up to the numerator, its denominators to the denominator."""
    for dimension, label, cells in dimension_layout(indicator):
        for part, parts, whole in (
            ("num", data.numerators, data.numerator),
            ("den", data.denominators, data.denominator),
        ):
            cell_sum = sum(parts.get((dimension, category)) or 0 for category, _l in cells)
            if cell_sum != whole:
                _add(
                    errors,
                    field_name(indicator, dimension, cells[0][0], part),
                    says["numerators_sum" if part == "num" else "denominators_sum"]
                    % {
                        "dimension": str(label).lower(),
                        "sum": number_format(cell_sum, force_grouping=True),
                        "total": number_format(whole or 0, force_grouping=True),
                    },
                )


def inputs_from_figures(figures: Iterable[Figure]) -> dict[int, FigureInput]:
    inputs: dict[int, FigureInput] = {}
    for figure in figures:
        data = inputs.setdefault(figure.indicator_id, FigureInput())
        if figure.dimension == TOTAL:
            data.not_applicable = figure.not_applicable
            data.total = figure.value
            data.numerator = figure.numerator
            data.denominator = figure.denominator
        elif figure.value is not None or (figure.numerator is None and figure.denominator is None):
            data.cells[(figure.dimension, figure.category)] = figure.value
        else:
            data.numerators[(figure.dimension, figure.category)] = figure.numerator
            data.denominators[(figure.dimension, figure.category)] = figure.denominator
    return inputs


def figures_from_inputs(
    report: ActivityReport, indicators: Iterable[Indicator], inputs: dict[int, FigureInput]
) -> list[Figure]:
    """Rows to store for the inputs: a total row per answered indicator plus its filled cells."""
    rows = []
    for indicator in indicators:
        data = inputs.get(indicator.pk)
        if data is None or data.is_empty():
            continue
        rows.append(
            Figure(
                report=report,
                indicator=indicator,
                dimension=TOTAL,
                category="",
                value=None if indicator.is_ratio else data.total,
                numerator=data.numerator if indicator.is_ratio else None,
                denominator=data.denominator if indicator.is_ratio else None,
                not_applicable=data.not_applicable,
            )
        )
        if data.not_applicable:
            continue
        if indicator.is_ratio:
            for dimension, category, numerator, denominator in _ratio_cells(indicator, data):
                if numerator is not None or denominator is not None:
                    rows.append(
                        Figure(
                            report=report,
                            indicator=indicator,
                            dimension=dimension,
                            category=category,
                            numerator=numerator,
                            denominator=denominator,
                        )
                    )
            continue
        for dimension, _label, cells in dimension_layout(indicator):
            for category, _cat_label in cells:
                value = data.cells.get((dimension, category))
                if value is not None:
                    rows.append(
                        Figure(
                            report=report,
                            indicator=indicator,
                            dimension=dimension,
                            category=category,
                            value=value,
                        )
                    )
    return rows
