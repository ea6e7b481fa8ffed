"""The disaggregation dimensions and their cells (they belong to the catalogue, `indicators`), and
how stored figures follow an indicator's declaration when it changes."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from indicators.disaggregation import (
    DIMENSION_CHOICES,
    DIMENSIONS,
    NOT_RECORDED,
    TOTAL,
    breakdown_dimensions,
    categories,
    category_label,
)

__all__ = [
    "DIMENSIONS",
    "DIMENSION_CHOICES",
    "NOT_RECORDED",
    "TOTAL",
    "categories",
    "category_label",
]


REASON_MOVED = "disaggregation: moved to not recorded"  # history_change_reason: 100 characters
REASON_ADDED = "disaggregation: new breakdown, all not recorded"
REASON_DROPPED = "disaggregation: dimension no longer asked"


@dataclass
class Conformed:
    """What bringing figures in line with a declaration changed."""

    moved: int = 0  # cells of a category no longer valid, added to "not recorded"
    added: int = 0  # "not recorded" cells made for a breakdown the figures did not have
    dropped: int = 0  # cells of a dimension no longer broken down (the total keeps the number)
    stale: set[tuple[int, int]] = field(default_factory=set)  # (province, period) to recompute


def conform_figures(
    indicators: Iterable[Any],
    *,
    figure_model: Any,
    history_model: Any,
    stale_model: Any,
    user_id: int | None = None,
) -> Conformed:
    """Bring the stored figures of these indicators in line with their declarations, losing no
    number: a cell of a category no longer valid is added to its dimension's "not recorded" cell;
    a breakdown the figures lack gets a "not recorded" cell holding the whole total; a dimension
    no longer broken down loses its cells (the total still holds every number). Every change is
    written to the figures' history with its reason, so the old cells stay readable, and the
    (province, period) of each approved report changed is marked stale for the summaries.

    Takes the model classes, so that a migration can run it with its historical models."""
    result = Conformed()
    now = timezone.now()
    history: list[Any] = []

    def remember(row: Any, kind: str, reason: str) -> None:
        history.append(
            history_model(
                id=row.pk,
                report_id=row.report_id,
                indicator_id=row.indicator_id,
                dimension=row.dimension,
                category=row.category,
                value=row.value,
                numerator=row.numerator,
                denominator=row.denominator,
                not_applicable=row.not_applicable,
                history_date=now,
                history_type=kind,
                history_change_reason=reason,
                history_user_id=user_id,
            )
        )

    touched: set[int] = set()
    deleted: list[Any] = []  # (row, reason)
    created: list[tuple[Any, str]] = []
    updated: dict[int, Any] = {}
    for indicator in indicators:
        declaration = indicator.disaggregation or {}
        asked = breakdown_dimensions(declaration)
        parts = ("numerator", "denominator") if indicator.aggregation == "ratio" else ("value",)
        rows = list(figure_model.objects.filter(indicator_id=indicator.pk).order_by("pk"))
        cells = {(r.report_id, r.dimension, r.category): r for r in rows if r.dimension != TOTAL}
        totals = [r for r in rows if r.dimension == TOTAL]
        for (report_id, dimension, category), row in list(cells.items()):
            if dimension in asked and category in declaration[dimension]:
                continue
            touched.add(report_id)
            del cells[(report_id, dimension, category)]
            if dimension not in asked:
                deleted.append((row, REASON_DROPPED))
                result.dropped += 1
                continue
            key = (report_id, dimension, NOT_RECORDED[dimension])
            target = cells.get(key)
            if target is None:
                target = figure_model(
                    report_id=report_id,
                    indicator_id=indicator.pk,
                    dimension=dimension,
                    category=NOT_RECORDED[dimension],
                    **{part: getattr(row, part) for part in parts},
                )
                cells[key] = target
                created.append((target, REASON_MOVED))
            else:
                for part in parts:
                    moved = getattr(row, part)
                    if moved is not None:
                        setattr(target, part, (getattr(target, part) or 0) + moved)
                if target.pk is not None:
                    updated[target.pk] = target
            deleted.append((row, REASON_MOVED))
            result.moved += 1
        with_cells = {(report_id, dimension) for report_id, dimension, _c in cells}
        for total in totals:
            if total.not_applicable or all(getattr(total, part) is None for part in parts):
                continue
            for dimension in asked:
                if (total.report_id, dimension) in with_cells:
                    continue
                cell = figure_model(
                    report_id=total.report_id,
                    indicator_id=indicator.pk,
                    dimension=dimension,
                    category=NOT_RECORDED[dimension],
                    **{part: getattr(total, part) for part in parts},
                )
                created.append((cell, REASON_ADDED))
                result.added += 1
                touched.add(total.report_id)
    if hasattr(figure_model, "history"):
        # The model records its own history when a row is deleted, with the reason it is given.
        for row, reason in deleted:
            row._change_reason = reason
            row.delete()
    else:  # a migration's model: nothing is recorded unless written here
        for row, reason in deleted:
            remember(row, "-", reason)
        gone = [row.pk for row, _r in deleted]
        for start in range(0, len(gone), BATCH):
            figure_model.objects.filter(pk__in=gone[start : start + BATCH]).delete()
    for row in updated.values():
        remember(row, "~", REASON_MOVED)
    figure_model.objects.bulk_update(
        list(updated.values()), ["value", "numerator", "denominator"], batch_size=BATCH
    )
    figure_model.objects.bulk_create([row for row, _r in created], batch_size=BATCH)
    for row, reason in created:
        remember(row, "+", reason)
    history_model.objects.bulk_create(history, batch_size=BATCH)
    report_model = figure_model._meta.get_field("report").related_model
    approved = report_model.objects.filter(pk__in=touched, status="approved")
    result.stale = set(approved.values_list("province_id", "period_id").distinct())
    for province_id, period_id in sorted(result.stale, key=lambda pair: (pair[0] or 0, pair[1])):
        stale_model.objects.get_or_create(province_id=province_id, period_id=period_id)
    return result


BATCH = 1000  # history rows per INSERT
