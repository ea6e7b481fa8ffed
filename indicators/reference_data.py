"""Load the starting NAP catalogue (indicators, baselines, targets, programmes) from fixtures.

Used by a data migration, so it takes the model classes rather than importing them.
"""

import csv
from decimal import Decimal
from pathlib import Path

from indicators import disaggregation

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _read(name: str) -> list[dict]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _parse_value(text: str) -> tuple[str, Decimal] | None:
    text = text.strip()
    if not text:
        return None
    qualifier = ""
    for prefix in (">=", "<="):
        if text.startswith(prefix):
            qualifier, text = prefix, text[len(prefix) :]
    return qualifier, Decimal(text)


def load_catalogue(Indicator, Target, Programme, *, keep_existing: bool = False) -> tuple[int, int]:
    """Load (or update) the catalogue from the fixtures, with the models as they are at the
    calling migration: columns added later (the time rule, the disaggregation declaration) are set
    when the model has them.

    `keep_existing` adds what is missing and leaves what an admin may have edited as it is:
    existing indicators and their targets, existing programmes' names and indicators (only the
    columns that did not exist before, who reports a programme and at which level, are set)."""
    indicators = {}
    fields = {field.name for field in Indicator._meta.get_fields()}
    for row in _read("nap_indicators.csv"):
        existing = Indicator.objects.filter(code=row["code"]).first()
        if keep_existing and existing is not None:
            indicators[existing.code] = existing
            continue
        later = {"time_rule": row["time_rule"] or "sum"} if "time_rule" in fields else {}
        declaration = disaggregation.parse(row["disaggregations"])
        if "disaggregation" in fields:
            later["disaggregation"] = declaration
        else:  # before the declaration: a flag per dimension asked for
            asked = disaggregation.breakdown_dimensions(declaration)
            later.update(
                {f"by_{dimension}": dimension in asked for dimension in disaggregation.DIMENSIONS}
            )
        indicator, _ = Indicator.objects.update_or_create(
            code=row["code"],
            defaults={
                **later,
                "name_vi": row["name_vi"],
                "name_en": row["name_en"],
                "pillar": row["pillar"],
                "unit": row["unit"],
                "aggregation": row["aggregation"],
                "source": row["source"],
                "evidence": row["evidence"],
            },
        )
        indicators[indicator.code] = indicator
        values = [("baseline", row["baseline_year"], row["baseline_value"])]
        values += [("target", "2025", row["target_2025"]), ("target", "2030", row["target_2030"])]
        for kind, year, text in values:
            parsed = _parse_value(text)
            if parsed is None or not year:
                continue
            qualifier, value = parsed
            Target.objects.update_or_create(
                indicator=indicator,
                kind=kind,
                year=int(year),
                defaults={"value": value, "qualifier": qualifier, "source": row["source"]},
            )
    programmes = _read("programmes.csv")
    programme_fields = {field.name for field in Programme._meta.get_fields()}
    for row in programmes:
        # Who reports a programme, and at which level, came later (national reporting).
        reporting = (
            {"level": row["level"], "organisation_kinds": row["organisation_kinds"].split()}
            if "level" in programme_fields
            else {}
        )
        existing_programme = Programme.objects.filter(code=row["code"]).first()
        if keep_existing and existing_programme is not None:
            if reporting and not existing_programme.organisation_kinds:
                for name, value in reporting.items():
                    setattr(existing_programme, name, value)
                existing_programme.save(update_fields=list(reporting))
            continue
        programme, _ = Programme.objects.update_or_create(
            code=row["code"],
            defaults={
                **reporting,
                "name_vi": row["name_vi"],
                "name_en": row["name_en"],
                "description_vi": row["description_vi"],
                "description_en": row["description_en"],
                "default_pillar": row["default_pillar"],
                "frequency": row["frequency"],
            },
        )
        programme.indicators.set([indicators[code] for code in row["indicators"].split()])
    return len(indicators), len(programmes)
