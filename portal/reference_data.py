"""Load the 34 provinces (and the 63 they replaced) from the project's fixture.

Used by a data migration, so it takes the model classes rather than importing them.
"""

import csv
from pathlib import Path

PROVINCES_CSV = Path(__file__).resolve().parent / "fixtures" / "provinces_2025.csv"
PROVINCES_SOURCE = (
    "vietnam-provinces dataset, September 2026 release (shared/data/provinces_2025.csv)"
)


def load_provinces(Province, LegacyProvince) -> int:
    with PROVINCES_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        province, _ = Province.objects.update_or_create(
            code=row["code"],
            defaults={
                "name_vi": row["name_vi"],
                "short_name_vi": row["short_vi"],
                "name_ascii": row["short_ascii"],
                "name_en": row["name_en"],
                "slug": row["codename"],
                "division_type": row["division_type"],
                "source": PROVINCES_SOURCE,
            },
        )
        old_codes = row["old_codes"].split()
        old_names = [name.strip() for name in row["old_names"].split(";")]
        for code, name in zip(old_codes, old_names, strict=True):
            LegacyProvince.objects.update_or_create(
                code=code, defaults={"name_vi": name, "successor": province}
            )
    return len(rows)
