"""Writing the annual NAP report (`summaries.nap_report`) as DOCX (python-docx) or PDF
(WeasyPrint), with a chart per indicator drawn on the server (matplotlib, Agg).

Vietnamese needs fonts with its glyphs: the PDF and the charts use Noto Serif / Noto Sans
(Debian's fonts-noto-core), which WeasyPrint embeds (subset) in the file; the DOCX names Times
New Roman, the typeface of Vietnamese administrative documents, which Word has everywhere.
"""

import base64
import datetime
import io
from collections.abc import Callable, Sequence
from typing import IO, Any

from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from summaries.nap_report import IndicatorSection, NapReport

CHART_FONTS = ["Noto Sans", "DejaVu Sans"]  # both carry Vietnamese; DejaVu ships with matplotlib
DOCX_FONT = "Times New Roman"
TABLE_STYLE = "Light Grid Accent 1"  # a table style every Word template has
CHART_DPI = 120
CHART_SIZE = (6.0, 2.4)  # inches: a chart per indicator, a third of a page


def chart_png(section: IndicatorSection) -> bytes | None:
    """The indicator's national values over the year's periods, as the summaries page charts
    them (a hidden value is a gap marked with the hidden mark); None when there is nothing."""
    if not section.series:
        return None
    from matplotlib import rc_context
    from matplotlib.figure import Figure  # the OO API: no pyplot state, safe in a worker

    with rc_context({"font.family": CHART_FONTS, "font.size": 8}):
        figure = Figure(figsize=CHART_SIZE, dpi=CHART_DPI)
        figure.subplots_adjust(left=0.1, right=0.98, top=0.86, bottom=0.14)
        axes = figure.subplots()
        labels = [label for label, _value in section.series]
        values = [value if value is not None else 0 for _label, value in section.series]
        bars = axes.bar(labels, values, color="#1f5f8b", width=0.6)
        for bar, (_label, value) in zip(bars, section.series, strict=True):
            text = "x" if value is None else _chart_number(value, section.is_percent)
            axes.annotate(
                text,
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
            )
        axes.set_title(f"{section.code} · {section.unit}", fontsize=9)
        axes.spines[["top", "right"]].set_visible(False)
        axes.margins(y=0.2)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _chart_number(value: int | float, is_percent: bool) -> str:
    text = number_format(value, decimal_pos=1 if is_percent else 0, force_grouping=True)
    return f"{text}%" if is_percent else text


def charts(report: NapReport, step: Callable[[int], None]) -> dict[str, bytes | None]:
    """Every indicator's chart, by code; tells progress from 50 to 85%."""
    sections = [section for pillar in report.pillars for section in pillar.indicators]
    drawn = {}
    for done, section in enumerate(sections, start=1):
        drawn[section.code] = chart_png(section)
        step(50 + 35 * done // max(1, len(sections)))
    return drawn


def _labels(report: NapReport) -> dict[str, str]:
    """The words of the document, in the active language."""
    return {
        "release": _("Release"),
        "overview": _("Overview"),
        "indicator": _("Indicator"),
        "published": _("published"),
        "baseline": _("Baseline"),
        "value": _("Value %(year)s") % {"year": report.year},
        "target_2025": _("Target 2025"),
        "target_2030": _("Target 2030"),
        "progress": _("Towards 2030"),
        "coverage": _("Coverage"),
        "time_rule": _("Over time"),
        "provisional": _("provisional"),
        "national_only": _("reported nationally"),
        "indicators": _("Indicators"),
        "no_indicators": _("No indicator of this pillar has published figures this year."),
        "highlights": _("Highlights from approved reports"),
        "financing": _("Financing"),
        "source": _("Funding source"),
        "amount": _("Amount (VND)"),
        "no_financing": _("No spending on this pillar was published this year."),
        "completeness": _("Completeness of reporting"),
        "period": _("Period"),
        "with_data": _("Indicators with data"),
        "organisations": _("Reported (organisations × indicators)"),
        "expected": _("Expected (organisations × indicators)"),
        "rate": _("Reporting rate"),
        "provinces": _("Provinces with data"),
        "completeness_note": _(
            "Organisations reporting of those expected, added over every indicator's national"
            " figure, as the release published them."
        ),
        "about": _("About this report"),
        "about_release": _(
            "Every figure comes from the published release named above: reports approved after"
            " it was published appear only in a later release or revision."
        ),
        "about_hidden": _(
            "Small-count protection: a count from 1 to %(k)s minus one, and every figure that"
            " would let one work such a count out, shows as “x”."
        )
        % {"k": report.k},
        "about_provisional": _(
            "A figure marked provisional covers fewer organisations or periods than expected."
        ),
        "generated": _("Generated"),
    }


def html(report: NapReport, drawn: dict[str, bytes | None]) -> str:
    """The report as the HTML WeasyPrint lays out (charts inline as PNG data)."""
    labels = _labels(report)
    pillars = [
        {
            "pillar": pillar,
            "indicators": [
                {
                    "section": section,
                    "rows": section_rows(section, labels),
                    "chart": base64.b64encode(png).decode("ascii")
                    if (png := drawn.get(section.code))
                    else "",
                }
                for section in pillar.indicators
            ],
        }
        for pillar in report.pillars
    ]
    return render_to_string(
        "summaries/nap_report/report.html",
        {
            "report": report,
            "labels": labels,
            "pillars": pillars,
            "published": _date(report.release_published),
            "generated": _date(report.generated_at),
        },
    )


def write_pdf(report: NapReport, drawn: dict[str, bytes | None], output: IO[bytes]) -> None:
    from weasyprint import HTML  # imported when used: it loads pango

    HTML(string=html(report, drawn)).write_pdf(output)


def _headed_table(document: Any, headers: Sequence[str]) -> Any:
    """A table of the report's style whose first row holds these headers."""
    table = document.add_table(rows=1, cols=len(headers))
    table.style = TABLE_STYLE
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
    return table


def write_docx(report: NapReport, drawn: dict[str, bytes | None], output: IO[bytes]) -> None:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    labels = _labels(report)
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = DOCX_FONT
    normal.font.size = Pt(11)
    fonts = normal.element.rPr.rFonts  # Word reads the font per script: set each
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), DOCX_FONT)
    for style_name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        style = document.styles[style_name]
        style.font.name = DOCX_FONT
        style_fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            style_fonts.set(qn(attribute), DOCX_FONT)
    document.core_properties.title = report.title
    document.core_properties.language = report.language

    document.add_heading(report.title, level=0)
    document.add_paragraph(
        f"{report.year} · {labels['release']}: {report.release_label}"
        f" ({labels['published']} {_date(report.release_published)})"
    )
    document.add_paragraph(report.coverage_note)
    document.add_heading(labels["overview"], level=1)
    headers = (
        labels["indicator"],
        labels["baseline"],
        labels["value"],
        labels["target_2025"],
        labels["target_2030"],
        labels["progress"],
    )
    table = _headed_table(document, headers)
    for pillar in report.pillars:
        heading = table.add_row().cells
        heading[0].merge(heading[-1]).text = pillar.label
        for section in pillar.indicators:
            values = (
                section.code,
                section.baseline,
                (section.value or "—") + ("*" if section.provisional and section.value else ""),
                section.targets[2025],
                section.targets[2030],
                _share(section),
            )
            for cell, text in zip(table.add_row().cells, values, strict=True):
                cell.text = text
    document.add_paragraph(f"* {labels['provisional']}")

    for pillar in report.pillars:
        document.add_heading(pillar.label, level=1)
        if not pillar.indicators:
            document.add_paragraph(labels["no_indicators"])
        for section in pillar.indicators:
            document.add_heading(f"{section.code} · {section.name}", level=2)
            rows = section_rows(section, labels)
            table = document.add_table(rows=len(rows), cols=2)
            table.style = TABLE_STYLE
            table.alignment = WD_TABLE_ALIGNMENT.LEFT
            for row, (name, text) in zip(table.rows, rows, strict=True):
                row.cells[0].text = name
                row.cells[1].text = text
            png = drawn.get(section.code)
            if png:
                document.add_picture(io.BytesIO(png), width=Cm(15))
        if pillar.financing is not None:
            document.add_heading(labels["financing"], level=2)
            if pillar.financing:
                table = _headed_table(document, (labels["source"], labels["amount"]))
                for line in pillar.financing:
                    cells = table.add_row().cells
                    cells[0].text = line.source
                    cells[1].text = _amount(line.amount_vnd)
            else:
                document.add_paragraph(labels["no_financing"])
        if pillar.highlights:
            document.add_heading(labels["highlights"], level=2)
            for highlight in pillar.highlights:
                paragraph = document.add_paragraph()
                paragraph.add_run(highlight.title).bold = True
                paragraph.add_run(
                    f" ({highlight.organisation}, {highlight.place}, {highlight.period})"
                )
                if highlight.narrative:
                    document.add_paragraph(highlight.narrative)

    document.add_heading(labels["completeness"], level=1)
    document.add_paragraph(labels["completeness_note"])
    headers = (
        labels["period"],
        labels["with_data"],
        labels["organisations"],
        labels["expected"],
        labels["rate"],
        labels["provinces"],
    )
    table = _headed_table(document, headers)
    for completeness in report.completeness:
        cells = table.add_row().cells
        values = (
            completeness.period,
            str(completeness.indicators),
            number_format(completeness.organisations, force_grouping=True),
            number_format(completeness.organisations_expected, force_grouping=True),
            completeness.rate,
            str(completeness.provinces),
        )
        for cell, text in zip(cells, values, strict=True):
            cell.text = text

    document.add_heading(labels["about"], level=1)
    for key in ("about_release", "about_hidden", "about_provisional"):
        document.add_paragraph(labels[key])
    document.add_paragraph(f"{labels['generated']}: {_date(report.generated_at)}")
    document.save(output)


def section_rows(section: IndicatorSection, labels: dict[str, str]) -> list[tuple[str, str]]:
    """An indicator's facts as (label, text), in the order both formats print them."""
    return [
        (labels["baseline"], section.baseline),
        (labels["value"], _value_text(section, labels)),
        (labels["target_2025"], section.targets[2025]),
        (labels["target_2030"], section.targets[2030]),
        (labels["progress"], _share(section)),
        (labels["coverage"], section.coverage or "—"),
        (labels["time_rule"], section.time_rule),
    ]


def _value_text(section: IndicatorSection, labels: dict[str, str]) -> str:
    parts = [section.value] if section.value else []
    if section.value_note:
        parts.append(f"({section.value_note})" if section.value else section.value_note)
    if section.provisional:
        parts.append(f"[{labels['provisional']}]")
    if section.national_only:
        parts.append(f"[{labels['national_only']}]")
    return " ".join(parts)


def _share(section: IndicatorSection) -> str:
    if section.percent_of_2030 is None:
        return "—"
    return f"{section.percent_of_2030}%"


def _amount(value: int | None) -> str:
    return "x" if value is None else number_format(value, force_grouping=True)


def _date(moment: datetime.datetime) -> str:
    return str(formats.date_format(timezone.localtime(moment), "SHORT_DATE_FORMAT"))
