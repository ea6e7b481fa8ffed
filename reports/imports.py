"""Reports from a spreadsheet: the XLSX template, the guard in front of the reader, the reader,
and the dry run / import that follows it (`reports.services.report_import_*` call these).

The template has one row per report (organisation x period of one programme) and one column per
indicator cell, named as the report form names its fields (`reports.figures.field_name`), so
that the form's own checks and error keys apply unchanged: row 1 holds the column labels in the
user's language, row 2 (hidden) the field names the reader goes by, data starts on row 3. The
header rows are locked (sheet protection without a password: it stops slips, the reader checks
everything anyway), figure cells have a whole-number data validation, and a hidden sheet marks
the file as this portal's template of one programme.

Reading. A file is refused before any XML is parsed unless it is a ZIP of sane size: at most
`MAX_UPLOAD_BYTES` on the wire, `MAX_MEMBERS` entries and `MAX_UNCOMPRESSED_BYTES` once
inflated, counted while inflating (the sizes a ZIP declares can lie), with no DOCTYPE or entity
declaration anywhere (entity expansion is a zip bomb of its own) and no merged cells. Then
openpyxl reads it in read-only mode, never evaluating a formula: a formula cell is an error.

Figures. A number cell must hold a whole number (1234, or 1234.0); a cell Excel shows as a date
is an error (a date is a number in a spreadsheet, but never a count); text is read as the report
form reads what is typed: "1234", "1.234" and "1 234" are all 1234 (Vietnamese digit grouping,
the dot separating thousands), and "1,5" or "12.34" are errors, since counts are whole. A
not-applicable column takes "x".

Provinces. The province column takes the statistics office code of one of the 34 provinces in
force since 1 July 2025 or, for periods that ended before that day, of one of the 63 earlier
provinces (`portal.models.LegacyProvince`), which is mapped to the province it was merged into.
"""

import datetime
import io
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms as django_forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import TYPE_FORMULA
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from indicators.models import Indicator, Programme
from portal.models import LegacyProvince, Organisation, Province, User
from portal.spreadsheets import neutralise
from reports import access
from reports.figures import MAX_FIGURE, FigureInput, dimension_layout, field_name
from reports.models import ActivityReport, ReportingPeriod

# An upload larger than this is not a template of a few thousand reports (500 reports of the
# widest programme make about 0.5 MB).
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# What the ZIP may inflate to, counted while inflating: 50 times the largest upload.
MAX_UNCOMPRESSED_BYTES = 80 * 1024 * 1024
MAX_MEMBERS = 300  # a workbook from Excel or LibreOffice has 10 to 30 entries
MAX_ROWS = 2_000  # reports in one file; more is refused before anything is checked
MAX_COLUMNS = 400  # the widest programme has about 110 columns
MAX_TEXT = 5_000  # characters of a narrative cell
MAX_ERRORS = 500  # errors listed; past this the dry run says how many more there were
PROGRESS_STEP = 5  # percent between two progress saves

TEMPLATE_MARK = "napwps-report-import"
TEMPLATE_VERSION = "1"
META_SHEET = "_template"
LABEL_ROW, KEY_ROW, FIRST_DATA_ROW = 1, 2, 3
BLANK_ROWS = 20  # empty, unlocked rows under the filled ones, for reports nobody listed
# Periods that ended before this day may use the codes of the 63 earlier provinces.
PROVINCES_MERGED_ON = datetime.date(2025, 7, 1)
NOT_APPLICABLE_MARK = "x"

ORGANISATION, ORGANISATION_NAME, PERIOD, PROVINCE, COMMUNE, TITLE, NARRATIVE = (
    "organisation",
    "organisation_name",
    "period",
    "province",
    "commune",
    "title",
    "narrative",
)
TEXT_KEYS = (COMMUNE, TITLE, NARRATIVE)


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message is for the user."""


# --- Columns -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str  # "organisation", "period", "province", "text", "ignored", "figure", "na"
    indicator_id: int | None = None
    dimension: str = ""
    category: str = ""
    part: str = ""  # "total", "num", "den" (figures) or "" (the not-applicable mark)


def indicators_of(programme: Programme) -> list[Indicator]:
    return list(programme.indicators.order_by("pillar", "code"))


def template_columns(indicators: Iterable[Indicator]) -> list[Column]:
    """Every column of a programme's template, in order."""
    columns = [
        Column(ORGANISATION, _("Organisation number"), "organisation"),
        Column(ORGANISATION_NAME, _("Organisation (for reading; not imported)"), "ignored"),
        Column(PERIOD, _("Period (e.g. 2026-Q3)"), "period"),
        Column(PROVINCE, _("Province code"), "province"),
        Column(COMMUNE, _("Commune"), "text"),
        Column(TITLE, _("Title"), "text"),
        Column(NARRATIVE, _("What was done"), "text"),
    ]
    for indicator in indicators:
        code = indicator.code
        columns.append(
            Column(
                field_name(indicator, "na"),
                _("%(code)s: not applicable (x)") % {"code": code},
                "na",
                indicator.pk,
            )
        )
        parts = (
            [("num", _("numerator")), ("den", _("denominator"))]
            if indicator.is_ratio
            else [("total", _("total"))]
        )
        for part, part_label in parts:
            columns.append(
                Column(
                    field_name(indicator, part),
                    f"{code}: {part_label}",
                    "figure",
                    indicator.pk,
                    part=part,
                )
            )
        for dimension, dimension_label, cells in dimension_layout(indicator):
            for category, category_label in cells:
                for part, part_label in parts if indicator.is_ratio else [("total", "")]:
                    label = f"{code}: {dimension_label} · {category_label}"
                    columns.append(
                        Column(
                            field_name(
                                indicator,
                                dimension,
                                category,
                                part if indicator.is_ratio else "",
                            ),
                            f"{label} ({part_label})" if part_label else label,
                            "figure",
                            indicator.pk,
                            dimension,
                            category,
                            part,
                        )
                    )
    return columns


def _figure_value(inputs: FigureInput, column: Column) -> int | None:
    key = (column.dimension, column.category)
    if not column.dimension:
        return {"total": inputs.total, "num": inputs.numerator, "den": inputs.denominator}[
            column.part
        ]
    if column.part == "num":
        return inputs.numerators.get(key)
    if column.part == "den":
        return inputs.denominators.get(key)
    return inputs.cells.get(key)


def _set_figure(inputs: FigureInput, column: Column, value: int | None) -> None:
    key = (column.dimension, column.category)
    if not column.dimension:
        setattr(
            inputs, {"total": "total", "num": "numerator", "den": "denominator"}[column.part], value
        )
    elif column.part == "num":
        inputs.numerators[key] = value
    elif column.part == "den":
        inputs.denominators[key] = value
    else:
        inputs.cells[key] = value


# --- The template ------------------------------------------------------------------------------


def write_template(
    output: Any,
    *,
    programme: Programme,
    organisations: Iterable[Organisation],
    periods: Iterable[ReportingPeriod],
) -> int:
    """Write the programme's template for these organisations and periods to a binary file: one
    row per (organisation, period), with what an existing report already holds. Returns the
    number of rows filled."""
    from reports.figures import inputs_from_figures

    indicators = indicators_of(programme)
    columns = template_columns(indicators)
    organisations = [o for o in organisations if programme.accepts(o)]
    periods = list(periods)
    existing = {
        (report.organisation_id, report.period_id): report
        for report in ActivityReport.objects.filter(
            programme=programme,
            organisation__in=organisations,
            period__in=periods,
        )
        .select_related("province")
        .prefetch_related("figures")
    }

    book = Workbook()
    sheet = book.active
    sheet.title = _("Reports")[:31]
    header_fill = PatternFill("solid", fgColor="DDE4EE")
    for index, column in enumerate(columns, start=1):
        label = sheet.cell(row=LABEL_ROW, column=index, value=neutralise(column.label))
        label.font = Font(bold=True)
        label.fill = header_fill
        label.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.cell(row=KEY_ROW, column=index, value=column.key)
        width = 14 if column.kind in ("figure", "na") else 22
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.row_dimensions[KEY_ROW].hidden = True
    sheet.row_dimensions[LABEL_ROW].height = 60

    rows = 0
    unlocked = Protection(locked=False)
    for organisation in organisations:
        for period in periods:
            report = existing.get((organisation.pk, period.pk))
            inputs = inputs_from_figures(report.figures.all()) if report else {}
            province = report.province if report else organisation.province
            values: dict[str, Any] = {
                ORGANISATION: organisation.pk,
                ORGANISATION_NAME: organisation.name,
                PERIOD: period.code,
                PROVINCE: "" if programme.is_national or province is None else province.code,
                COMMUNE: report.commune if report else "",
                TITLE: report.title if report else f"{programme.name} · {period.label}",
                NARRATIVE: report.narrative if report else "",
            }
            for column in columns:
                if column.indicator_id is None:
                    continue
                data = inputs.get(column.indicator_id)
                if data is None:
                    continue
                if column.kind == "na":
                    values[column.key] = NOT_APPLICABLE_MARK if data.not_applicable else None
                else:
                    values[column.key] = _figure_value(data, column)
            row = FIRST_DATA_ROW + rows
            for index, column in enumerate(columns, start=1):
                value = values.get(column.key)
                cell = sheet.cell(row=row, column=index, value=neutralise(value))
                cell.protection = unlocked
                if column.kind in ("period", "province"):
                    cell.number_format = "@"  # "01" and "2026-09" stay text, not 1 and a date
            rows += 1
    for row in range(FIRST_DATA_ROW + rows, FIRST_DATA_ROW + rows + BLANK_ROWS):
        for index, column in enumerate(columns, start=1):
            cell = sheet.cell(row=row, column=index)
            cell.protection = unlocked
            if column.kind in ("period", "province"):
                cell.number_format = "@"
    _add_validations(sheet, columns, last_row=FIRST_DATA_ROW + rows + BLANK_ROWS - 1)
    sheet.freeze_panes = sheet.cell(row=FIRST_DATA_ROW, column=3)
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False

    _write_instructions(book, programme, indicators, periods)
    meta = book.create_sheet(META_SHEET)
    for row, value in enumerate((TEMPLATE_MARK, TEMPLATE_VERSION, programme.code), start=1):
        meta.cell(row=row, column=1, value=value)
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    book.save(output)
    return rows


def _add_validations(sheet, columns: list[Column], *, last_row: int) -> None:
    def span(kind: str) -> str:
        letters = [get_column_letter(i) for i, c in enumerate(columns, start=1) if c.kind == kind]
        return " ".join(f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}" for letter in letters)

    figures = DataValidation(
        type="whole",
        operator="between",
        formula1="0",
        formula2=str(MAX_FIGURE),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=_("Not a figure"),
        error=_("Enter a whole number from 0 to %(max)s.") % {"max": MAX_FIGURE},
    )
    marks = DataValidation(
        type="list",
        formula1=f'"{NOT_APPLICABLE_MARK}"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=_("Not applicable"),
        error=_("Type x when the indicator does not apply, or leave the cell empty."),
    )
    organisations = DataValidation(
        type="whole", operator="greaterThan", formula1="0", allow_blank=True
    )
    for validation, kind in ((figures, "figure"), (marks, "na"), (organisations, "organisation")):
        cells = span(kind)
        if cells:
            validation.sqref = cells
            sheet.add_data_validation(validation)


def _write_instructions(
    book: Workbook,
    programme: Programme,
    indicators: list[Indicator],
    periods: list[ReportingPeriod],
) -> None:
    sheet = book.create_sheet(_("Instructions")[:31])
    sheet.column_dimensions["A"].width = 110
    lines = [
        _("Importing %(programme)s reports") % {"programme": programme.name},
        "",
        _("One row is one report: an organisation's report for one period."),
        _(
            "Fill in the figures on the first sheet and upload the file on the portal's import "
            "page. Nothing is saved until you have seen the check and confirmed it."
        ),
        _(
            "Do not change the first row, the hidden second row, the sheet names or the hidden "
            "sheet: the portal reads the columns by them."
        ),
        _(
            "Figures are whole numbers from 0 to %(max)s. 1234, 1.234 and 1 234 all mean one "
            "thousand two hundred and thirty-four; 1,5 and 12.34 are refused."
        )
        % {"max": MAX_FIGURE},
        _(
            "Type values, not formulas; do not merge cells; do not format figure cells as dates. "
            "A file with any of these is refused, and nothing is imported."
        ),
        _(
            "Type x in an indicator's “not applicable” column when it does not apply to the "
            "report, and leave its figures empty."
        ),
        _(
            "Each breakdown's cells must add up to the total (for a ratio, to its numerator and "
            "denominator): use “not recorded” where the detail is unknown."
        ),
        _(
            "Province: the statistics office code of a province in force since 1 July 2025. For "
            "periods that ended before 1 July 2025 the code of one of the 63 earlier provinces "
            "is accepted too, and the report is filed under the province it was merged into."
        ),
        _(
            "An organisation's own reports are always filed under its own province; only "
            "national organisations choose one."
        ),
        _(
            "A row whose figures are all empty is left out. A row for a report that already "
            "exists replaces its title, text and figures, if it is still a draft or returned."
        ),
        _("Counts only: never write a survivor's name, birth date, phone, address or case."),
        "",
        _("Periods of this template: %(periods)s")
        % {"periods": ", ".join(period.code for period in periods)},
        "",
        _("Indicators"),
    ]
    for indicator in indicators:
        kind = _("ratio: numerator and denominator") if indicator.is_ratio else _("count")
        lines.append(f"{indicator.code}: {indicator.name} ({kind}; {indicator.unit_label})")
    for row, line in enumerate(lines, start=1):
        cell = sheet.cell(row=row, column=1, value=neutralise(line))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if row == 1 or line == _("Indicators"):
            cell.font = Font(bold=True)
    sheet.protection.sheet = True


# --- The guard ---------------------------------------------------------------------------------

_OVERLAP = 32  # bytes kept from one chunk to the next, so that a marker across them is found


def check_workbook_bytes(data: bytes) -> None:
    """Refuse a file that is not a sane XLSX before any of its XML is parsed."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportFileError(
            _("The file is larger than %(size)s MB: split it into several files.")
            % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    not_xlsx = ImportFileError(
        _(
            "This is not an Excel workbook (.xlsx). Download the template, fill it in, and save "
            "it as an Excel workbook."
        )
    )
    if not data.startswith(b"PK") or not zipfile.is_zipfile(io.BytesIO(data)):
        raise not_xlsx
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            names = {member.filename for member in members}
            if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
                raise not_xlsx
            if len(members) > MAX_MEMBERS:
                raise _too_big()
            inflated = 0
            for member in members:
                if member.file_size > MAX_UNCOMPRESSED_BYTES:
                    raise _too_big()
                inflated = _scan_member(archive, member, inflated)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError):
        raise not_xlsx from None
    except RuntimeError:  # an encrypted member
        raise not_xlsx from None


def _too_big() -> ImportFileError:
    return ImportFileError(
        _(
            "The workbook unpacks to more than %(size)s MB: it is not a template of reports. "
            "Nothing was imported."
        )
        % {"size": MAX_UNCOMPRESSED_BYTES // (1024 * 1024)}
    )


def _scan_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, inflated: int) -> int:
    """Inflate one entry, counting (and stopping at the limit), and look for what is refused."""
    is_xml = member.filename.endswith((".xml", ".rels"))
    is_sheet = member.filename.startswith("xl/worksheets/")
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(64 * 1024):
            inflated += len(chunk)
            if inflated > MAX_UNCOMPRESSED_BYTES:
                raise _too_big()
            if not is_xml:
                continue
            window = tail + chunk
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                raise ImportFileError(
                    _("The workbook holds XML declarations that a workbook never needs: refused.")
                )
            if is_sheet and b"<mergeCell " in window:
                raise ImportFileError(
                    _(
                        "The workbook has merged cells. Unmerge them (one value per cell) and "
                        "upload it again."
                    )
                )
            tail = window[-_OVERLAP:]
    return inflated


# --- Reading -----------------------------------------------------------------------------------


@dataclass
class CellError:
    sheet: str
    row: int | None
    column: str
    label: str
    message: str

    def as_dict(self) -> dict:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "label": self.label,
            "message": self.message,
        }


@dataclass
class Row:
    number: int  # the spreadsheet's row number
    organisation_id: int | None = None
    period: ReportingPeriod | None = None
    province: Province | None = None
    texts: dict[str, str] = field(default_factory=dict)
    figures: dict[int, FigureInput] = field(default_factory=dict)
    has_figures: bool = False
    # Columns with an error of their own (an unreadable cell): what the services say of these
    # cells, read as empty, is left out of the errors.
    bad_keys: set[str] = field(default_factory=set)


@dataclass
class Sheet:
    programme: Programme
    indicators: list[Indicator]
    columns: list[Column]
    title: str
    rows: list[Row]
    errors: list[CellError]


def _is_date(value: Any) -> bool:
    return isinstance(value, datetime.date | datetime.time | datetime.timedelta)


class _Reader:
    """Reads the data sheet once the guard passed it; collects errors as it goes."""

    def __init__(self, workbook, sheet_title: str, programme: Programme):
        self.workbook = workbook
        self.sheet_title = sheet_title
        self.programme = programme
        self.errors: list[CellError] = []
        self.current: Row | None = None  # the row being read
        self.indicators = indicators_of(programme)
        self.columns = template_columns(self.indicators)
        self.by_key = {column.key: index for index, column in enumerate(self.columns)}
        periods = ReportingPeriod.objects.filter(kind=programme.period_kind)
        self.periods = {period.code: period for period in periods}
        self.provinces = {province.code: province for province in Province.objects.all()}
        self.legacy = {
            legacy.code: legacy for legacy in LegacyProvince.objects.select_related("successor")
        }

    def error(self, row: int | None, index: int | None, message: str) -> None:
        column = self.columns[index] if index is not None and index < len(self.columns) else None
        if column is not None and self.current is not None:
            self.current.bad_keys.add(column.key)
        self.errors.append(
            CellError(
                sheet=self.sheet_title,
                row=row,
                column=get_column_letter(index + 1) if index is not None else "",
                label=column.label if column else "",
                message=str(message),
            )
        )

    def figure(self, row: int, index: int, cell: Any) -> int | None:
        # Read as the report form reads what is typed (the form module imports the services,
        # which import this one: imported here).
        from reports.forms import parse_whole_number

        value = cell.value
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, bool):
            self.error(row, index, _("Enter a whole number, not TRUE or FALSE."))
        elif _is_date(value):
            self.error(
                row,
                index,
                _(
                    "This cell is formatted as a date, not a number: format it as a number and "
                    "type the figure again."
                ),
            )
        elif isinstance(value, int):
            return value
        elif isinstance(value, float):
            if value.is_integer():
                return int(value)
            self.error(
                row, index, _("Enter a whole number: %(value)s is not one.") % {"value": value}
            )
        elif isinstance(value, str):
            if len(value) > 30:
                self.error(row, index, _("Enter a whole number, like 1234 or 1.234."))
                return None
            try:
                return parse_whole_number(value)
            except django_forms.ValidationError as error:
                self.error(row, index, " ".join(error.messages))
        else:
            self.error(row, index, _("Enter a whole number, like 1234 or 1.234."))
        return None

    def text(self, row: int, index: int, cell: Any) -> str:
        value = cell.value
        if value is None:
            return ""
        if _is_date(value):
            value = value.isoformat()
        text = str(value).strip()
        if len(text) > MAX_TEXT:
            self.error(
                row,
                index,
                _("At most %(count)s characters fit in this cell.") % {"count": MAX_TEXT},
            )
            return ""
        return text

    def code(self, cell: Any) -> str:
        """A code typed as text or turned into a number by the spreadsheet ("01" -> 1)."""
        value = cell.value
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:02d}"
        return "" if value is None else str(value).strip()

    def period(self, row: int, index: int, cell: Any) -> ReportingPeriod | None:
        value = cell.value
        if _is_date(value):
            self.error(
                row,
                index,
                _(
                    "The spreadsheet turned the period code into a date. Format the cell as text "
                    "and type the code, like 2026-Q3."
                ),
            )
            return None
        code = str(int(value)) if isinstance(value, int | float) else str(value or "").strip()
        code = code.upper()
        period = self.periods.get(code)
        if period is None:
            if not code:
                self.error(row, index, _("Give the period, like 2026-Q3."))
            else:
                self.error(
                    row,
                    index,
                    _("“%(code)s” is not a period %(programme)s reports by.")
                    % {"code": code[:20], "programme": self.programme.name},
                )
        return period

    def province(
        self, row: int, index: int, cell: Any, period: ReportingPeriod | None
    ) -> Province | None:
        code = self.code(cell)
        if not code:
            return None
        province = self.provinces.get(code)
        if province is not None:
            return province
        legacy = self.legacy.get(code)
        if legacy is None:
            self.error(row, index, _("“%(code)s” is not a province code.") % {"code": code[:20]})
            return None
        if period is not None and period.end_date >= PROVINCES_MERGED_ON:
            self.error(
                row,
                index,
                _(
                    "%(old)s is a province of before 1 July 2025. For %(period)s use the code of "
                    "the province it was merged into: %(new)s."
                )
                % {"old": legacy, "period": period.label, "new": legacy.successor},
            )
            return None
        return legacy.successor

    def read(self, sheet) -> list[Row]:
        rows: list[Row] = []
        seen = 0
        for cells in sheet.iter_rows(min_row=FIRST_DATA_ROW):
            if not any(
                cell.value is not None
                and not (isinstance(cell.value, str) and not cell.value.strip())
                for cell in cells
            ):
                continue
            seen += 1
            if seen > MAX_ROWS:
                raise ImportFileError(
                    _("The file has more than %(count)s reports: split it into several files.")
                    % {"count": MAX_ROWS}
                )
            rows.append(self.read_row(cells))
        return rows

    def read_row(self, cells) -> Row:
        number = cells[0].row
        row = self.current = Row(number=number)
        by_key = self.by_key

        def cell_at(key: str):
            index = by_key[key]
            return index, cells[index] if index < len(cells) else None

        for index, cell in enumerate(cells):
            if index >= len(self.columns):
                if cell.value is not None:
                    self.error(number, index, _("This column is not part of the template."))
                continue
            if getattr(cell, "data_type", None) == TYPE_FORMULA:
                self.error(
                    number,
                    index,
                    _("Formulas are not read: type the value, or paste values only."),
                )
        index, cell = cell_at(ORGANISATION)
        organisation = self.code(cell) if cell is not None else ""
        if organisation.isdigit():
            row.organisation_id = int(organisation)
        else:
            self.error(number, index, _("Give the organisation's number, as in the template."))
        index, cell = cell_at(PERIOD)
        row.period = self.period(number, index, cell) if cell is not None else None
        if cell is None:
            self.error(number, index, _("Give the period, like 2026-Q3."))
        index, cell = cell_at(PROVINCE)
        if cell is not None:
            row.province = self.province(number, index, cell, row.period)
        for key in TEXT_KEYS:
            index, cell = cell_at(key)
            row.texts[key] = self.text(number, index, cell) if cell is not None else ""
        for index, column in enumerate(self.columns):
            if column.indicator_id is None or index >= len(cells):
                continue
            cell = cells[index]
            if getattr(cell, "data_type", None) == TYPE_FORMULA:
                continue
            data = row.figures.setdefault(column.indicator_id, FigureInput())
            if column.kind == "na":
                mark = str(cell.value or "").strip().lower()
                if mark == NOT_APPLICABLE_MARK:
                    data.not_applicable = row.has_figures = True
                elif mark:
                    self.error(number, index, _("Type x, or leave the cell empty."))
                continue
            value = self.figure(number, index, cell)
            if value is not None:
                row.has_figures = True
            _set_figure(data, column, value)
        self.current = None
        return row


def read_workbook(data: bytes) -> Sheet:
    """The template's rows, after the guard. ImportFileError if the file is not a template."""
    check_workbook_bytes(data)
    wrong = ImportFileError(
        _(
            "This is not the portal's import template (or it was changed). Download a new "
            "template and copy your figures into it."
        )
    )
    try:
        workbook = load_workbook(
            io.BytesIO(data), read_only=True, data_only=False, keep_links=False
        )
    except Exception:  # openpyxl raises many kinds for a broken workbook
        raise ImportFileError(
            _("The workbook cannot be read. Save it again as an Excel workbook (.xlsx).")
        ) from None
    try:
        if META_SHEET not in workbook.sheetnames or workbook.sheetnames[0] == META_SHEET:
            raise wrong
        meta = [
            row[0] if row else None
            for row in workbook[META_SHEET].iter_rows(min_row=1, max_row=3, values_only=True)
        ]
        if len(meta) != 3 or meta[0] != TEMPLATE_MARK or str(meta[1]) != TEMPLATE_VERSION:
            raise wrong
        programme = Programme.objects.filter(code=str(meta[2])).first()
        if programme is None:
            raise wrong
        sheet = workbook.worksheets[0]
        reader = _Reader(workbook, sheet.title, programme)
        keys = next(
            sheet.iter_rows(
                min_row=KEY_ROW, max_row=KEY_ROW, max_col=MAX_COLUMNS + 1, values_only=True
            ),
            (),
        )
        keys = tuple(key for key in keys if key is not None)
        if len(keys) > MAX_COLUMNS or list(keys) != [c.key for c in reader.columns]:
            raise ImportFileError(
                _(
                    "The columns are not those of the current %(programme)s template (the "
                    "programme's indicators may have changed). Download a new template and copy "
                    "your figures into it."
                )
                % {"programme": programme.name}
            )
        rows = reader.read(sheet)
    finally:
        workbook.close()
    return Sheet(
        programme=programme,
        indicators=reader.indicators,
        columns=reader.columns,
        title=sheet.title,
        rows=rows,
        errors=reader.errors,
    )


# --- Checking and importing --------------------------------------------------------------------


@dataclass
class Outcome:
    plan: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    error_count: int = 0

    def add_errors(self, errors: Iterable[CellError]) -> None:
        for error in errors:
            self.error_count += 1
            if len(self.errors) < MAX_ERRORS:
                self.errors.append(error.as_dict())


class _RowRefused(Exception):
    def __init__(self, errors: dict[str, list[str]] | list[str]):
        super().__init__("row refused")
        self.errors = errors


def _comparable(inputs: dict[int, FigureInput]) -> dict[int, tuple]:
    """Figures as values to compare, empty cells left out (a stored report keeps no empty cell)."""

    def filled(cells: dict) -> dict:
        return {key: value for key, value in cells.items() if value is not None}

    return {
        pk: (
            data.not_applicable,
            data.total,
            data.numerator,
            data.denominator,
            filled(data.cells),
            filled(data.numerators),
            filled(data.denominators),
        )
        for pk, data in inputs.items()
        if not data.is_empty()
    }


def process(
    sheet: Sheet,
    *,
    actor: User,
    submit: bool,
    step: Callable[[int], None] = lambda _percent: None,
    checked: list[dict] | None = None,
) -> Outcome:
    """Check every row through the report services, writing as it goes (the caller's
    transaction decides whether any of it stays): the dry run rolls it all back, the import
    commits it when nothing failed. Every row's errors are collected, not only the first.

    `checked` is the dry run's plan, given to the import: a report that was created or changed
    by someone else since the check (its version differs) is an error, so that the import never
    overwrites what the uploader has not seen."""
    from reports import services
    from reports.figures import inputs_from_figures

    outcome = Outcome()
    outcome.add_errors(sheet.errors)
    scope = access.import_organisation_ids(actor)
    programme = sheet.programme
    by_key = {column.key: index for index, column in enumerate(sheet.columns)}
    organisation_ids = {row.organisation_id for row in sheet.rows if row.organisation_id}
    organisations = Organisation.objects.select_related("province").in_bulk(organisation_ids)
    # The programme's indicators, read once: every report below shares this programme object,
    # so the services' `report.programme.indicators.all()` reads them from here.
    prefetch_related_objects([programme], "indicators")
    # The reports the rows may change, read and locked in one query.
    existing = {
        (report.organisation_id, report.period_id): report
        for report in ActivityReport.objects.select_for_update(of=("self",))
        .select_related("period", "organisation")
        .filter(
            programme=programme,
            organisation__in=sorted(organisation_ids),
            period__in=sorted({row.period.pk for row in sheet.rows if row.period}),
        )
        .prefetch_related("figures", "pillar_tags")
    }
    seen: dict[tuple[int, int], int] = {}
    total = max(len(sheet.rows), 1)

    def row_error(row: Row, key: str | None, message: str) -> CellError:
        index = by_key.get(key) if key else None
        column = sheet.columns[index] if index is not None else None
        return CellError(
            sheet=sheet.title,
            row=row.number,
            column=get_column_letter(index + 1) if index is not None else "",
            label=column.label if column else "",
            message=str(message),
        )

    for position, row in enumerate(sheet.rows, start=1):
        step(int(100 * position / total))
        entry: dict[str, Any] = {"row": row.number, "action": "skip", "changes": 0, "report": None}
        outcome.plan.append(entry)
        organisation = organisations.get(row.organisation_id or 0)
        if organisation is not None and (scope is None or organisation.pk in scope):
            entry["organisation"] = organisation.name
        elif row.organisation_id is not None:
            # Unknown and out-of-scope organisations get the same words: nothing leaks.
            outcome.add_errors(
                [
                    row_error(
                        row,
                        ORGANISATION,
                        _("You cannot import reports for organisation %(number)s.")
                        % {"number": row.organisation_id},
                    )
                ]
            )
            organisation = None
        if row.period is not None:
            entry["period"] = row.period.label
        if organisation is None or row.period is None:
            entry["action"] = "error"
            continue
        if not row.has_figures and not row.bad_keys:
            entry["action"] = "empty"
            continue
        duplicate = seen.get((organisation.pk, row.period.pk))
        if duplicate is not None:
            entry["action"] = "error"
            outcome.add_errors(
                [
                    row_error(
                        row,
                        PERIOD,
                        _("Row %(row)s already gives this organisation's report for %(period)s.")
                        % {"row": duplicate, "period": row.period.label},
                    )
                ]
            )
            continue
        seen[(organisation.pk, row.period.pk)] = row.number
        # No savepoint per row: a refused row may leave writes behind, but any error rolls
        # the whole transaction back (the dry run always rolls back), and 500 savepoints cost
        # two round trips each.
        report = existing.get((organisation.pk, row.period.pk))
        if checked is not None:
            seen_then = next((e for e in checked if e.get("row") == row.number), {})
            if (report.version if report else None) != seen_then.get("version"):
                entry["action"] = "error"
                outcome.add_errors(
                    [
                        row_error(
                            row,
                            None,
                            _(
                                "This report was created or changed after the check. Upload "
                                "the file again to see what the import would change now."
                            ),
                        )
                    ]
                )
                continue
        try:
            entry.update(
                _process_row(
                    row,
                    organisation=organisation,
                    programme=programme,
                    report=report,
                    actor=actor,
                    scope=scope,
                    submit=submit,
                    services=services,
                    inputs_from_figures=inputs_from_figures,
                )
            )
        except _RowRefused as refused:
            entry["action"] = "error"
            if isinstance(refused.errors, dict):
                problems = [
                    row_error(row, key if key in by_key else None, message)
                    for key, messages in refused.errors.items()
                    if key not in row.bad_keys
                    for message in messages
                ]
            else:
                problems = [row_error(row, None, message) for message in refused.errors]
            outcome.add_errors(problems)
            continue
        if row.bad_keys:  # the services found nothing more; the row's own errors stand
            entry["action"] = "error"
            continue
        if entry["action"] == "create":
            outcome.created += 1
        elif entry["action"] == "update":
            outcome.updated += 1
    return outcome


def _process_row(
    row: Row,
    *,
    organisation: Organisation,
    programme: Programme,
    report: ActivityReport | None,
    actor: User,
    scope: set[int] | None,
    submit: bool,
    services: Any,
    inputs_from_figures: Callable,
) -> dict:
    """Create or change one report through the services; raise _RowRefused with every error.
    `report` is the existing one, locked, if any."""
    assert row.period is not None
    try:
        access.ensure_may_import_for(actor, organisation.pk, scope)
        created = report is None
        if report is None:
            # A report made in this transaction is seen by nobody else: no lock to take.
            report = services._open_report(
                actor=actor,
                organisation=organisation,
                programme=programme,
                period=row.period,
                title=row.texts[TITLE],
                province=row.province,
            )
            pillars = [programme.default_pillar]
        else:
            pillars = [tag.pillar for tag in report.pillar_tags.all()]
        report.programme = programme  # with its indicators read once
        figures = {pk: data for pk, data in row.figures.items() if not data.is_empty()}
        content = services.ReportContent(
            title=row.texts[TITLE] or report.title,
            narrative=row.texts[NARRATIVE] or report.narrative,
            commune=row.texts[COMMUNE] or report.commune,
            province_id=row.province.pk if row.province else None,
            pillars=pillars,
            figures=figures,
        )
        if not created:
            same = (
                content.title == report.title
                and content.narrative == report.narrative
                and content.commune == report.commune
                and (content.province_id in (None, report.province_id))
                and _comparable(figures) == _comparable(inputs_from_figures(report.figures.all()))
            )
            if same and not (submit and report.is_editable):
                return {"action": "unchanged", "report": report.pk, "version": report.version}
            if not report.is_editable:
                raise _RowRefused(
                    [
                        _(
                            "%(organisation)s's report for %(period)s is %(status)s: only a draft "
                            "or a returned report can be changed."
                        )
                        % {
                            "organisation": organisation.name,
                            "period": row.period.label,
                            "status": report.get_status_display().lower(),
                        }
                    ]
                )
        errors = services.report_content_errors(report=report, content=content, submit=submit)
        if errors:
            raise _RowRefused(errors)
        changes = 0
        version_before = report.version
        if not created:
            before = _comparable(inputs_from_figures(report.figures.all()))
            after = _comparable(figures)
            changes = sum(1 for pk in set(before) | set(after) if before.get(pk) != after.get(pk))
        services._save_content(report, actor=actor, content=content, submit=submit)
    except ValidationError as error:
        raise _RowRefused(
            error.message_dict if hasattr(error, "error_dict") else list(error.messages)
        ) from None
    except (services.WorkflowError, PermissionDenied) as error:
        raise _RowRefused([str(error)]) from None
    return {
        "action": "create" if created else "update",
        "changes": changes,
        "report": report.pk,
        # The version the report had before this row: the import checks it is still the same.
        "version": None if created else version_before,
    }
