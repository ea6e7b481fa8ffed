"""Summary files (CSV and XLSX): a release as published, or, for admins who ask, the working
figures marked confidential. Shared by the download pages and `manage.py export_summaries`.

A file is the summaries: province rows, national rows and the year's rows (each indicator's time
rule applied), every cell with its translated label, age bands in their natural order with the
total first, coverage columns, and a short note on what the file is.
"""

import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from portal.models import Province
from portal.spreadsheets import csv_stream, in_current_language, write_xlsx
from reports.disaggregation import DIMENSIONS, category_label
from summaries.cube import NATIONAL, Cube, breakdown
from summaries.disclosure import SECONDARY
from summaries.models import Release, SummaryDownload
from summaries.release_files import Counter
from summaries.spending import file_header

HEADERS = {
    "release": gettext_lazy("Release"),
    "indicator_code": gettext_lazy("Indicator code"),
    "indicator": gettext_lazy("Indicator"),
    "pillar": gettext_lazy("Pillar"),
    "province_code": gettext_lazy("Province code"),
    "province": gettext_lazy("Province"),
    "period": gettext_lazy("Period"),
    "dimension": gettext_lazy("Disaggregation"),
    "category": gettext_lazy("Category"),
    "value": gettext_lazy("Value"),
    "numerator": gettext_lazy("Numerator"),
    "denominator": gettext_lazy("Denominator"),
    "reports": pgettext_lazy("count", "Reports"),
    "organisations": gettext_lazy("Organisations reporting"),
    "organisations_expected": gettext_lazy("Organisations expected"),
    "provinces": gettext_lazy("Provinces with data"),
    "bodies": gettext_lazy("National bodies reporting"),
    "periods": gettext_lazy("Periods in"),
    "provisional": gettext_lazy("Provisional"),
}
EXPORT_COLUMNS = list(HEADERS)
NATIONAL_CODE = "VN"


def header() -> list[str]:
    return [str(HEADERS[column]) for column in EXPORT_COLUMNS]


@dataclass
class SummaryFile:
    """What a download holds: its rows (lazily), the note on top, and its name. A release's file
    also has its CSV rows ready-made by the database (`release_files.csv_rows`)."""

    rows: Iterator[Sequence[str | int]]
    about: list[str]
    name: str
    sheet_title: str
    csv_rows: "Callable[[Counter], Iterator[bytes]] | None" = None
    spending: list[list[str | int]] | None = None  # published (or working) spending, if any
    columns: list[str] | None = None  # the header, when not the figures' one

    def header(self) -> list[str]:
        return header() if self.columns is None else self.columns

    def sheets(self) -> list:
        """Further sheets of the workbook: the spending, after the figures."""
        return [] if self.spending is None else spending_sheets(self.spending)

    def spending_only(self) -> "SummaryFile":
        """The file's spending as a file of its own (a CSV holds one table)."""
        return SummaryFile(
            rows=iter(self.spending or []),
            about=self.about,
            name=f"{self.name}-spending",
            sheet_title=self.sheet_title,
            columns=file_header(),
        )


def spending_sheets(rows: list[list[str | int]]) -> list:
    """The spending table as a sheet after the figures' one."""
    return [(str(_("Spending")), file_header(), rows)]


def _mark(value: int | None, hidden: bool, k: int) -> int | str:
    """A number stays a number (XLSX cells add up); a hidden one is its published mark."""
    if value is None:
        return ""
    if hidden:
        return SECONDARY
    return value


def _period_sort(cube: Cube) -> Callable[[str], tuple[bool, datetime.date]]:
    """Periods in date order, the year last."""

    def key(period: str) -> tuple[bool, datetime.date]:
        return (period == cube.year_code, cube.period_order.get(period, datetime.date.max))

    return key


def cube_rows(
    cube: Cube,
    hidden: set,
    k: int,
    *,
    label: str,
    provinces: set[int] | None = None,
    national: bool = True,
) -> Iterator[list[str | int]]:
    """A file's rows: for each indicator, the nation then each province, each period then the
    year, each cell in the order of the breakdown (total first)."""
    names = Province.objects.in_bulk()
    period_key = _period_sort(cube)
    places_by_indicator: dict[int, set[int]] = {}
    periods_by_indicator: dict[int, set[str]] = {}
    for indicator_id, place, period, _dimension, _category in cube.cells:
        if place != NATIONAL and provinces is not None and place not in provinces:
            continue
        if place == NATIONAL and not national:
            continue
        places_by_indicator.setdefault(indicator_id, set()).add(place)
        periods_by_indicator.setdefault(indicator_id, set()).add(period)
    indicators = sorted(
        (cube.indicators[pk] for pk in places_by_indicator), key=lambda i: (i.pillar, i.code)
    )
    for indicator in indicators:
        places = sorted(
            places_by_indicator[indicator.pk],
            key=lambda pk: "" if pk == NATIONAL else names[pk].code,
        )
        for place in places:
            code = NATIONAL_CODE if place == NATIONAL else names[place].code
            name = _("Whole country") if place == NATIONAL else names[place].name
            for period in sorted(periods_by_indicator[indicator.pk], key=period_key):
                for dimension, category in breakdown(indicator):
                    key = (indicator.pk, place, period, dimension, category)
                    cell = cube.cells.get(key)
                    if cell is None:
                        continue
                    yield [
                        label,
                        indicator.code,
                        indicator.name,
                        indicator.get_pillar_display(),
                        code,
                        str(name),
                        period,
                        str(DIMENSIONS[dimension][0]) if dimension in DIMENSIONS else _("Total"),
                        category_label(dimension, category),
                        ""
                        if indicator.is_ratio
                        else _mark(cell.value, (key, "value") in hidden, k),
                        _mark(cell.numerator, (key, "numerator") in hidden, k)
                        if indicator.is_ratio
                        else "",
                        _mark(cell.denominator, (key, "denominator") in hidden, k)
                        if indicator.is_ratio
                        else "",
                        cell.report_count,
                        cell.organisation_count,
                        cell.organisations_expected,
                        cell.provinces_reporting if place == NATIONAL else "",
                        cell.bodies_reporting if place == NATIONAL else "",
                        f"{cell.periods_in}/{cell.periods_expected}"
                        if period == cube.year_code
                        else "",
                        _("yes") if cell.provisional else "",
                    ]


def release_about(release: Release) -> list[str]:
    """The note on top of a release file: what it is and how it was protected."""
    published = formats.date_format(release.published_at, "SHORT_DATE_FORMAT")
    lines = [
        _("NAP-WPS reporting portal: published figures, %(release)s, published %(date)s.")
        % {"release": release.label, "date": published},
        _(
            "Small-count protection: a count from 1 to %(k)s minus one, and every cell that would"
            " let one work such a count out, shows as “x”."
        )
        % {"k": release.min_cell},
        _(
            "Coverage: organisations reporting of those expected, provinces with data of 34, and"
            " for the year, periods in of the year; a figure below the coverage threshold is"
            " marked provisional."
        ),
        _(
            "Spending (amounts in đồng, from approved reports) is published as reported, nothing"
            " hidden; it follows the figures."
        ),
    ]
    if release.note:
        lines.append(_("Revision note: %(note)s") % {"note": release.note})
    return lines


def working_about() -> list[str]:
    return [
        _("CONFIDENTIAL: working figures, not for publication. Nothing in this file is hidden."),
        _("Counts of survivors may be small: do not share this file outside the national team."),
    ]


def counted(rows: Iterable[Sequence], log: SummaryDownload | None) -> Iterator[Sequence]:
    """Pass rows through, then record how many there were on the download's log row."""
    count = 0
    for row in rows:
        count += 1
        yield row
    if log is not None:
        log.rows = count
        log.save(update_fields=["rows"])


def csv_chunks(
    summary_file: SummaryFile,
    log: SummaryDownload | None = None,
    *,
    counter: Counter | None = None,
) -> Iterator[bytes]:
    """The file as UTF-8 chunks: the BOM, the note and the header, then the rows (from the
    database when it made them, else written here); `counter` counts the rows as they go."""
    if summary_file.csv_rows is None:
        text = csv_stream(
            summary_file.header(), counted(summary_file.rows, log), preamble=summary_file.about
        )
        return (chunk.encode() for chunk in in_current_language(text))
    return _stored_chunks(summary_file, summary_file.csv_rows, log, counter or Counter())


def _stored_chunks(
    summary_file: SummaryFile,
    csv_rows: "Callable[[Counter], Iterator[bytes]]",
    log: SummaryDownload | None,
    counter: Counter,
) -> Iterator[bytes]:
    yield "".join(csv_stream(summary_file.header(), [], preamble=summary_file.about)).encode()
    yield from csv_rows(counter)
    if log is not None:
        log.rows = counter.rows
        log.save(update_fields=["rows"])


def xlsx_write(
    target: IO[bytes], summary_file: SummaryFile, log: SummaryDownload | None = None
) -> None:
    """Write the workbook into a binary file, row by row."""
    write_xlsx(
        target,
        summary_file.header(),
        counted(summary_file.rows, log),
        sheet_title=summary_file.sheet_title,
        about=summary_file.about,
        about_title=_("About this file"),
        sheets=summary_file.sheets(),
    )


def xlsx_file(summary_file: SummaryFile, log: SummaryDownload | None = None) -> IO[bytes]:
    """A temporary file holding the workbook, rewound; written row by row, never held in memory."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    xlsx_write(handle, summary_file, log)
    handle.seek(0)
    return handle
