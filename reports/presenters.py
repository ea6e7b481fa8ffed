"""Shape figures for read-only display: one block per indicator, grouped by pillar."""

from indicators.ratios import percent
from reports.figures import FigureInput, dimension_layout


def _entry(indicator, data: FigureInput | None) -> dict:
    if data is None or data.is_empty():
        return {"missing": True}
    if data.not_applicable:
        return {"not_applicable": True}
    if indicator.is_ratio:
        cells = {
            key: _ratio_text(data.numerators.get(key), data.denominators.get(key))
            for key in data.numerators.keys() | data.denominators.keys()
        }
        return {
            "numerator": data.numerator,
            "denominator": data.denominator,
            "percent": percent(data.numerator, data.denominator),
            "cells": cells,
        }
    return {"total": data.total, "cells": data.cells}


def _ratio_text(numerator: int | None, denominator: int | None) -> str | None:
    """A ratio cell as the report page shows it: "3 / 10 (30.0%)"."""
    if numerator is None and denominator is None:
        return None
    shown = percent(numerator, denominator)
    text = (
        f"{'—' if numerator is None else numerator} / {'—' if denominator is None else denominator}"
    )
    return f"{text} ({shown}%)" if shown is not None else text


def figure_table(
    indicators, inputs: dict[int, FigureInput], previous: dict[int, FigureInput] | None
):
    """[{pillar label, indicators: [{indicator, current, previous, dimensions: [...]}]}]."""
    sections: dict[str, dict] = {}
    for indicator in indicators:
        current = _entry(indicator, inputs.get(indicator.pk))
        before = _entry(indicator, previous.get(indicator.pk)) if previous is not None else None
        dimensions = []
        for dimension, label, cells in dimension_layout(indicator):
            dimensions.append(
                {
                    "label": label,
                    "cells": [
                        {
                            "label": category_label,
                            "value": current.get("cells", {}).get((dimension, category)),
                            "previous": (before or {}).get("cells", {}).get((dimension, category)),
                        }
                        for category, category_label in cells
                    ],
                }
            )
        section = sections.setdefault(
            indicator.pillar, {"label": indicator.get_pillar_display(), "indicators": []}
        )
        section["indicators"].append(
            {
                "indicator": indicator,
                "current": current,
                "previous": before,
                "dimensions": dimensions,
            }
        )
    return list(sections.values())
