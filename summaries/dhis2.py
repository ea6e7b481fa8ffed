"""A release's published cells as DHIS2 data values: `dataValueSets` JSON, ADX XML, and the
client that posts them to a DHIS2 server.

Everything here reads a stored release: a part its disclosure control hid is left out (never
sent as a value, not even as the mark), and nothing is decided here. A cell whose indicator,
disaggregation cell or place has no DHIS2 mapping is not sent either; it is listed in
`Export.unmapped`, so that the admin sees what is missing.
"""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from indicators.models import (
    CategoryOptionComboMapping,
    DataElementMapping,
    OrgUnitMapping,
    cell_code,
)
from summaries.models import Release, ReleaseCell

ADX_NAMESPACE = "urn:ihe:qrph:adx:2015"
ADX_SCHEMA = Path(__file__).resolve().parent / "schemas" / "adx" / "adx_loose.xsd"
NATIONAL_CODE = "VN"

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


def dhis2_period(code: str) -> str:
    """The DHIS2 period id of a portal period code: 2026-Q1 -> 2026Q1, 2026-03 -> 202603,
    2026 -> 2026."""
    if match := _QUARTER.match(code):
        return f"{match[1]}Q{match[2]}"
    if match := _MONTH.match(code):
        return f"{match[1]}{match[2]}"
    if _YEAR.match(code):
        return code
    raise ValueError(f"not a period code: {code!r}")


def adx_period(code: str) -> str:
    """The ADX (ISO 8601 start/duration) period of a portal period code: 2026-Q2 ->
    2026-04-01/P3M, 2026-03 -> 2026-03-01/P1M, 2026 -> 2026-01-01/P1Y."""
    if match := _QUARTER.match(code):
        month = (int(match[2]) - 1) * 3 + 1
        return f"{match[1]}-{month:02d}-01/P3M"
    if match := _MONTH.match(code):
        return f"{match[1]}-{match[2]}-01/P1M"
    if _YEAR.match(code):
        return f"{code}-01-01/P1Y"
    raise ValueError(f"not a period code: {code!r}")


@dataclass(frozen=True)
class DataValue:
    data_element: str
    period: str  # the portal's period code
    org_unit: str
    category_option_combo: str
    value: int


@dataclass
class Unmapped:
    """What the release has but the mapping does not: indicator codes with no data element (or a
    ratio with no denominator's), indicator cells with no category option combo (``PAR-01
    sex:female``), places with no organisation unit (province codes, VN for the nation)."""

    indicators: list[str] = field(default_factory=list)
    denominators: list[str] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.indicators or self.denominators or self.cells or self.places)

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "indicators": self.indicators,
            "denominators": self.denominators,
            "cells": self.cells,
            "places": self.places,
        }


@dataclass
class Export:
    release: Release
    values: list[DataValue]
    unmapped: Unmapped
    suppressed: int  # published parts left out because the release hides them
    skipped: int  # published parts left out because something about them is unmapped


def build_export(release: Release) -> Export:
    """The data values of a release's published cells, in the order of the stored cells."""
    elements = {m.indicator_id: m for m in DataElementMapping.objects.all()}
    combos = {
        (m.indicator_id, m.dimension, m.category): m.category_option_combo
        for m in CategoryOptionComboMapping.objects.all()
    }
    org_units = {m.province_id or 0: m.org_unit for m in OrgUnitMapping.objects.all()}
    missing: dict[str, set[str]] = defaultdict(set)
    values: list[DataValue] = []
    suppressed = skipped = 0
    cells = (
        ReleaseCell.objects.filter(release=release)
        .select_related("indicator", "province")
        .order_by("indicator__code", "province__code", "period_code", "dimension", "category")
    )
    for cell in cells.iterator(chunk_size=2000):
        indicator = cell.indicator
        parts = ("numerator", "denominator") if indicator.is_ratio else ("value",)
        for part in parts:
            number = getattr(cell, part)
            if number is None:
                continue
            if getattr(cell, f"{part}_hidden"):
                suppressed += 1
                continue
            mapping = elements.get(indicator.pk)
            element = ""
            if mapping is None:
                missing["indicators"].add(indicator.code)
            elif part == "denominator":
                element = mapping.denominator_data_element
                if not element:
                    missing["denominators"].add(indicator.code)
            else:
                element = mapping.data_element
            combo = combos.get((indicator.pk, cell.dimension, cell.category))
            if combo is None:
                missing["cells"].add(f"{indicator.code} {cell_code(cell)}")
            org_unit = org_units.get(cell.province_id or 0)
            if org_unit is None:
                missing["places"].add(cell.province.code if cell.province else NATIONAL_CODE)
            if not (element and combo and org_unit):
                skipped += 1
                continue
            values.append(DataValue(element, cell.period_code, org_unit, combo, number))
    unmapped = Unmapped(**{key: sorted(codes) for key, codes in missing.items()})
    return Export(release, values, unmapped, suppressed, skipped)


def data_value_set(export: Export) -> dict[str, Any]:
    """The `dataValueSets` payload DHIS2 imports (values as strings, as DHIS2 writes them)."""
    return {
        "dataValues": [
            {
                "dataElement": value.data_element,
                "period": dhis2_period(value.period),
                "orgUnit": value.org_unit,
                "categoryOptionCombo": value.category_option_combo,
                "value": str(value.value),
            }
            for value in export.values
        ]
    }


def adx_document(export: Export, *, exported_at: datetime.datetime | None = None) -> bytes:
    """The values as an ADX message: one group per organisation unit and period, each value
    naming its data element and category option combo by UID."""
    exported_at = exported_at or timezone.now()
    root = etree.Element(
        f"{{{ADX_NAMESPACE}}}adx",
        nsmap={None: ADX_NAMESPACE},
        exported=exported_at.astimezone(datetime.UTC).isoformat(timespec="seconds"),
    )
    groups: dict[tuple[str, str], etree._Element] = {}
    for value in export.values:
        key = (value.org_unit, value.period)
        group = groups.get(key)
        if group is None:
            group = etree.SubElement(
                root,
                f"{{{ADX_NAMESPACE}}}group",
                orgUnit=value.org_unit,
                period=adx_period(value.period),
            )
            groups[key] = group
        etree.SubElement(
            group,
            f"{{{ADX_NAMESPACE}}}dataValue",
            dataElement=value.data_element,
            categoryOptionCombo=value.category_option_combo,
            value=str(value.value),
        )
    document: bytes = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
    return document


_schema: etree.XMLSchema | None = None


def adx_schema() -> etree.XMLSchema:
    """The loose ADX schema shipped with the portal (read from disk, never the network)."""
    global _schema
    if _schema is None:
        parser = etree.XMLParser(no_network=True, resolve_entities=False)
        _schema = etree.XMLSchema(etree.parse(str(ADX_SCHEMA), parser))
    return _schema


def adx_errors(document: bytes) -> list[str]:
    """What the ADX schema finds wrong with a document (empty: valid)."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    schema = adx_schema()
    if schema.validate(etree.fromstring(document, parser)):
        return []
    return [str(error) for error in schema.error_log]


# The DHIS2 server. Off unless DHIS2_URL is set.


class Dhis2Error(Exception):
    """DHIS2 could not be reached, refused the request, or answered something unreadable. The
    message is for the admin; `summary` holds DHIS2's import summary when it sent one."""

    def __init__(self, message: str, summary: dict[str, Any] | None = None):
        super().__init__(message)
        self.summary = summary or {}


def is_configured() -> bool:
    return bool(settings.DHIS2_URL)


def _auth_headers() -> dict[str, str]:
    if settings.DHIS2_TOKEN:
        return {"Authorization": f"ApiToken {settings.DHIS2_TOKEN}"}
    return {}


def import_summary(body: Any) -> dict[str, Any]:
    """DHIS2's import summary, from either of its answers: the summary itself (before 2.38) or
    a web message holding it in `response`."""
    if not isinstance(body, dict):
        return {}
    response = body.get("response")
    summary: dict[str, Any] = response if isinstance(response, dict) else body
    count = summary.get("importCount") or {}
    conflicts = summary.get("conflicts") or []
    return {
        "status": str(summary.get("status") or body.get("status") or ""),
        "imported": int(count.get("imported") or 0),
        "updated": int(count.get("updated") or 0),
        "ignored": int(count.get("ignored") or 0),
        "deleted": int(count.get("deleted") or 0),
        "conflicts": [
            {
                "object": str(conflict.get("object", ""))[:200],
                "value": str(conflict.get("value", ""))[:500],
            }
            for conflict in conflicts[:50]
            if isinstance(conflict, dict)
        ],
        "description": str(summary.get("description") or body.get("message") or "")[:500],
    }


def post_data_values(payload: dict[str, Any], *, dry_run: bool) -> dict[str, Any]:
    """POST the values to DHIS2's `/api/dataValueSets` and return its import summary. Raises
    Dhis2Error when DHIS2 cannot be reached, refuses, or reports an error."""
    url = settings.DHIS2_URL.rstrip("/") + "/api/dataValueSets"
    auth = None
    if not settings.DHIS2_TOKEN and settings.DHIS2_USERNAME:
        auth = (settings.DHIS2_USERNAME, settings.DHIS2_PASSWORD)
    try:
        response = requests.post(
            url,
            params={
                "dryRun": "true" if dry_run else "false",
                "importStrategy": "CREATE_AND_UPDATE",
            },
            json=payload,
            auth=auth,
            headers={"Accept": "application/json", **_auth_headers()},
            timeout=settings.DHIS2_TIMEOUT,
        )
    except requests.RequestException as error:
        raise Dhis2Error(
            _("DHIS2 could not be reached: %(error)s") % {"error": type(error).__name__}
        ) from None
    try:
        body = response.json()
    except ValueError:
        body = None
    summary = import_summary(body)
    if response.status_code in (401, 403):
        raise Dhis2Error(
            _("DHIS2 refused the credentials (HTTP %(status)s).")
            % {"status": response.status_code},
            summary,
        )
    if summary and (summary["status"].upper() == "ERROR" or summary["conflicts"]):
        raise Dhis2Error(
            _("DHIS2 reported %(count)s conflicts: %(first)s")
            % {
                "count": len(summary["conflicts"]),
                "first": summary["conflicts"][0]["value"]
                if summary["conflicts"]
                else summary["description"],
            },
            summary,
        )
    if response.status_code >= 400 or not summary:
        raise Dhis2Error(
            _("DHIS2 answered HTTP %(status)s: %(message)s")
            % {
                "status": response.status_code,
                "message": summary.get("description") or _("no import summary"),
            },
            summary,
        )
    return summary
