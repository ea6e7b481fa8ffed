"""Summary downloads (CSV and XLSX), shared by the pages and `manage.py export_summaries`."""

import tempfile
from collections.abc import Iterable, Iterator

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from indicators.exports import csv_stream, write_xlsx
from indicators.models import SummaryDownload
from indicators.summaries import EXPORT_COLUMNS

HEADERS = {
    "indicator_code": _("Indicator code"),
    "indicator": _("Indicator"),
    "pillar": _("Pillar"),
    "province_code": _("Province code"),
    "province": _("Province"),
    "period": _("Period"),
    "dimension": _("Disaggregation"),
    "category": _("Category"),
    "value": _("Value"),
    "numerator": _("Numerator"),
    "denominator": _("Denominator"),
    "reports": _("Reports"),
    "organisations": _("Organisations"),
}


def header() -> list[str]:
    return [str(HEADERS[column]) for column in EXPORT_COLUMNS]


def counted(rows: Iterable[list], log: SummaryDownload | None) -> Iterator[list]:
    """Pass rows through, then record how many there were on the download's log row."""
    count = 0
    for row in rows:
        count += 1
        yield row
    if log is not None:
        log.rows = count
        log.save(update_fields=["rows"])


def csv_chunks(rows: Iterable[list], log: SummaryDownload | None = None) -> Iterator[str]:
    return in_current_language(csv_stream(header(), counted(rows, log)))


def in_current_language(chunks: Iterator[str]) -> Iterator[str]:
    """A streamed body is produced after the view returns: keep the request's language for it."""
    language = translation.get_language()

    def produce():
        with translation.override(language):
            yield from chunks

    return produce()


def xlsx_file(rows: Iterable[list], log: SummaryDownload | None = None):
    """A temporary file holding the workbook, rewound; written row by row, never held in memory."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    write_xlsx(handle, header(), counted(rows, log), sheet_title=str(_("Summaries")))
    handle.seek(0)
    return handle
