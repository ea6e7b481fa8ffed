"""The DHIS2 mapping: which data element, category option combo and organisation unit each
published figure goes to, and its import from CSV.

The mapping lives with the catalogue (this app) because it describes the catalogue's indicators
and their disaggregation cells; provinces come from `portal`, below. The export that reads it is
in `summaries`, which owns the releases.

The CSV has a header and one mapping a row::

    mapping,code,cell,uid
    data_element,PAR-01,,fbfJHSPpUQD
    denominator,PRO-03,,cYeuwXTCPkU
    category_option_combo,PAR-01,total,HllvX50cXC0
    category_option_combo,PAR-01,sex:female,Prlt0C1RF0s
    org_unit,01,,ImspTQPwCqd
    org_unit,VN,,Hjw70Lodtf2

`code` is an indicator's code, or a province's code (``VN``: the whole country). An import is all
or nothing: every row is checked first, and one bad row changes nothing.
"""

import csv
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from indicators.models import (
    CategoryOptionComboMapping,
    DataElementMapping,
    Indicator,
    OrgUnitMapping,
    dhis2_uid_validator,
)
from portal import audit
from portal.models import Province, User
from portal.permissions import ensure_admin

NATIONAL_CODE = "VN"
HEADER = ["mapping", "code", "cell", "uid"]
KINDS = ("data_element", "denominator", "category_option_combo", "org_unit")
# A full mapping is a few thousand rows (indicators x cells, plus 34 provinces); this is far more.
MAX_BYTES = 2_000_000
MAX_ROWS = 50_000


class MappingImportError(Exception):
    """A mapping file refused; `errors` says what is wrong with each row."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class MappingImported:
    data_elements: int = 0
    category_option_combos: int = 0
    org_units: int = 0

    @property
    def total(self) -> int:
        return self.data_elements + self.category_option_combos + self.org_units


def _rows(content: bytes) -> list[dict[str, str]]:
    if len(content) > MAX_BYTES:
        raise MappingImportError([_("The file is larger than 2 MB.")])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MappingImportError(
            [_("The file is not UTF-8 text (save it as CSV UTF-8).")]
        ) from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = [name.strip().lower() for name in next(reader, [])]
    except csv.Error:
        raise MappingImportError([_("The file is not a CSV file.")]) from None
    if header != HEADER:
        raise MappingImportError(
            [_("The first line must be the header: %(header)s.") % {"header": ",".join(HEADER)}]
        )
    rows: list[dict[str, str]] = []
    try:
        for values in reader:
            if len(rows) >= MAX_ROWS:
                raise MappingImportError(
                    [_("The file has more than %(rows)s rows.") % {"rows": MAX_ROWS}]
                )
            rows.append(dict(zip(HEADER, [v.strip() for v in values] + [""] * 4, strict=False)))
    except csv.Error:
        raise MappingImportError([_("The file is not a CSV file.")]) from None
    return rows


@transaction.atomic
def mapping_import(*, actor: User, content: bytes) -> MappingImported:
    """Set the mappings a CSV file lists (others stay as they are): every row, or none.

    Raises PermissionDenied for anyone but a national administrator, MappingImportError with
    every row's problem (line numbers as a spreadsheet shows them) when any row is wrong.
    """
    ensure_admin(actor)
    rows = _rows(content)
    indicators = {indicator.code: indicator for indicator in Indicator.objects.all()}
    provinces = {province.code: province for province in Province.objects.all()}
    errors: list[str] = []
    data_elements: dict[Indicator, dict[str, str]] = {}
    combos: dict[tuple[Indicator, str, str], str] = {}
    org_units: dict[Province | None, str] = {}
    for line, row in enumerate(rows, start=2):
        if not any(row.values()):
            continue
        kind, code, cell, uid = row["mapping"], row["code"], row["cell"], row["uid"]

        def refuse(message: str, line: int = line) -> None:
            errors.append(_("Line %(line)s: %(message)s") % {"line": line, "message": message})

        if kind not in KINDS:
            refuse(
                _("“%(mapping)s” is not a mapping; use one of %(kinds)s.")
                % {"mapping": kind, "kinds": ", ".join(KINDS)}
            )
            continue
        try:
            dhis2_uid_validator(uid)
        except ValidationError as error:
            refuse(f"“{uid}”: {error.messages[0]}")
            continue
        if kind == "org_unit":
            if code != NATIONAL_CODE and code not in provinces:
                refuse(_("There is no province with the code “%(code)s”.") % {"code": code})
                continue
            org_units[provinces.get(code)] = uid
            continue
        indicator = indicators.get(code)
        if indicator is None:
            refuse(_("There is no indicator with the code “%(code)s”.") % {"code": code})
            continue
        if kind == "data_element":
            data_elements.setdefault(indicator, {})["data_element"] = uid
        elif kind == "denominator":
            if not indicator.is_ratio:
                refuse(_("%(code)s is not a ratio: it has no denominator.") % {"code": code})
                continue
            data_elements.setdefault(indicator, {})["denominator_data_element"] = uid
        else:
            dimension, _colon, category = cell.partition(":")
            if (dimension, category) not in indicator.breakdown():
                refuse(
                    _("%(code)s has no cell “%(cell)s” (write total, or dimension:category).")
                    % {"code": code, "cell": cell}
                )
                continue
            combos[(indicator, dimension, category)] = uid
    existing = {m.indicator_id: m for m in DataElementMapping.objects.all()}
    for indicator, fields in data_elements.items():
        current = existing.get(indicator.pk)
        if "data_element" not in fields and current is None:
            errors.append(
                _("%(code)s: give its data element before its denominator.")
                % {"code": indicator.code}
            )
    if errors:
        raise MappingImportError(errors)
    if not (data_elements or combos or org_units):
        raise MappingImportError([_("The file lists no mappings.")])
    for indicator, fields in data_elements.items():
        DataElementMapping.objects.update_or_create(indicator=indicator, defaults=fields)
    for (indicator, dimension, category), uid in combos.items():
        CategoryOptionComboMapping.objects.update_or_create(
            indicator=indicator,
            dimension=dimension,
            category=category,
            defaults={"category_option_combo": uid},
        )
    for province, uid in org_units.items():
        OrgUnitMapping.objects.update_or_create(province=province, defaults={"org_unit": uid})
    imported = MappingImported(
        data_elements=len(data_elements),
        category_option_combos=len(combos),
        org_units=len(org_units),
    )
    audit.record(
        audit.Action.DHIS2_MAPPING_IMPORTED,
        user=actor,
        object_type="indicators.dhis2mapping",
        detail=f"de={imported.data_elements} coc={imported.category_option_combos} "
        f"ou={imported.org_units}",
    )
    return imported
