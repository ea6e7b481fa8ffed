"""The annual NAP progress report: the command's DOCX and PDF in both languages, numbers from
releases only, national-only indicators, highlights, and the admins' page with its Celery build."""

import io
import shutil
import subprocess
import unicodedata
from pathlib import Path

import docx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from indicators.models import Indicator
from portal.models import AuditEvent
from reports import services as report_services
from reports.models import ReportingPeriod
from summaries import aggregation
from summaries.models import NapReportBuild, NapReportHighlight, ReleaseCell
from summaries.nap_report import build_report
from tests import factories

pytestmark = pytest.mark.django_db

HANOI, HCMC = "01", "79"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "nap-report"
NARRATIVE = "Chi hội tổ chức tập huấn kỹ năng phòng, chống bạo lực gia đình cho 40 hội viên."
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext, pdffonts) not installed"
)


def approve(province_code: str, total: int, *, narrative: str = "", period_code="2026-Q2"):
    """An approved trusted-address report whose counts are all `total` and ratios 30/40 (the
    period is unlocked first if a release locked it)."""
    ReportingPeriod.objects.filter(pk=factories.period(period_code).pk).update(is_locked=False)
    organisation = factories.OrganisationFactory(province=factories.province(province_code))
    report = factories.draft_report(organisation=organisation, period_code=period_code)
    report_services.report_update(
        actor=report.created_by,
        report_id=report.pk,
        content=report_services.ReportContent(
            title="Tập huấn địa chỉ tin cậy",
            narrative=narrative,
            figures=factories.figures_with_total(report, total, ratio=(30, 40)),
        ),
        submit=True,
    )
    checker = factories.reviewer(provinces=[factories.province(province_code)])
    report_services.report_approve(reviewer=checker, report_id=report.pk)
    report.refresh_from_db()
    return report


@pytest.fixture
def published():
    """Two provinces' approved reports in 2026-Q2, aggregated, 2026 through Q2 published."""
    hanoi = approve(HANOI, 40, narrative=NARRATIVE)
    approve(HCMC, 25)
    aggregation.rebuild_all()
    admin = factories.admin_user()
    release = factories.publish(2026, 2, admin=admin)
    return {"hanoi": hanoi, "admin": admin, "release": release}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def overview(report) -> dict[str, str]:
    return {s.code: s.value for pillar in report.pillars for s in pillar.indicators}


def docx_text(path_or_bytes) -> tuple[str, dict[str, list[str]]]:
    """All the DOCX's text, and the overview table's rows by indicator code."""
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    document = docx.Document(source)
    parts = [paragraph.text for paragraph in document.paragraphs]
    rows: dict[str, list[str]] = {}
    for table in document.tables:
        for row in table.rows:
            cells = [cell.text for cell in row.cells]
            parts.extend(cells)
    for row in document.tables[0].rows:
        cells = [cell.text for cell in row.cells]
        rows.setdefault(cells[0], cells)
    return unicodedata.normalize("NFC", "\n".join(parts)), rows


def poppler(tool: str) -> str:
    return shutil.which(tool) or tool


def pdf_text(path: Path) -> str:
    result = subprocess.run(  # noqa: S603 - a fixed tool on a file this test wrote
        [poppler("pdftotext"), "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return unicodedata.normalize("NFC", result.stdout)


def pdf_fonts(path: Path) -> list[list[str]]:
    result = subprocess.run(  # noqa: S603
        [poppler("pdffonts"), str(path)], capture_output=True, text=True, check=True
    )
    return [line.split() for line in result.stdout.splitlines()[2:]]


def screenshot(path: Path, prefix: str) -> None:
    """The first pages as PNGs under test-artifacts/ (for a person to look at; not committed)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603
        [poppler("pdftoppm"), "-r", "60", "-png", "-l", "3", str(path), str(ARTIFACTS / prefix)],
        check=True,
    )


def test_the_command_writes_a_docx_in_both_languages_with_the_published_values(published, tmp_path):
    ta02 = Indicator.objects.get(code="TA-02")
    for language in ("vi", "en"):
        output = tmp_path / f"report-{language}.docx"

        call_command("nap_report", year=2026, language=language, file_format="docx", output=output)

        text, rows = docx_text(output)
        # 40 + 25; provisional (*): one quarter of four is in
        assert rows["TA-02"][2] == "65*"
        assert rows["TA-01"][2] == "65*"  # a stock: its last quarter
        assert rows["PRO-02"][2] == "75%*"  # (30 + 30) / (40 + 40)
        assert ta02.name_vi in text if language == "vi" else ta02.name_en in text
        assert NARRATIVE not in text  # nobody picked it as a highlight
    vi_text, _rows = docx_text(tmp_path / "report-vi.docx")
    assert "Kế hoạch hành động quốc gia" in vi_text
    assert "chưa được công bố đủ" in vi_text  # the year runs through Q2 only, and says so
    en_text, _rows = docx_text(tmp_path / "report-en.docx")
    assert "is not fully published" in en_text


@needs_poppler
def test_the_command_writes_a_pdf_in_both_languages_with_vietnamese_fonts_embedded(
    published, tmp_path
):
    ta02 = Indicator.objects.get(code="TA-02")
    for language in ("vi", "en"):
        output = tmp_path / f"report-{language}.pdf"

        call_command("nap_report", year=2026, language=language, file_format="pdf", output=output)

        assert output.read_bytes().startswith(b"%PDF")
        text = pdf_text(output)
        overview_line = next(line for line in text.splitlines() if line.strip().startswith("TA-02"))
        assert "65*" in overview_line.split()
        assert "75%" in text
        fonts = pdf_fonts(output)
        assert fonts
        assert all(font[-5] == "yes" for font in fonts), fonts  # every font embedded
        screenshot(output, f"nap-report-2026-{language}")
    vi_text = " ".join(pdf_text(tmp_path / "report-vi.pdf").split())  # lines joined again
    assert ta02.name_vi.split()[0] in vi_text  # "Số" with its diacritic, not "S?"
    for word in ("Bảo vệ", "Phòng ngừa", "Kế hoạch hành động quốc gia", "chưa được công bố đủ"):
        assert word in vi_text, word
    assert any("Noto" in font[0] for font in pdf_fonts(tmp_path / "report-vi.pdf"))


def test_a_year_without_a_release_is_refused_and_writes_nothing(db, tmp_path):
    output = tmp_path / "report.pdf"

    with pytest.raises(CommandError, match="No release of 2026"):
        call_command("nap_report", year=2026, language="en", file_format="pdf", output=output)

    assert not output.exists()
    assert not list(tmp_path.iterdir())


def test_an_approval_after_publishing_changes_nothing_until_a_revision(published):
    with translation.override("en"):
        before = overview(build_report(2026))
    assert before["TA-02"] == "65"

    approve(HANOI, 50)  # approved after the release: working figures move, the report must not
    aggregation.rebuild_all()
    with translation.override("en"):
        unchanged = overview(build_report(2026))
    factories.publish(2026, 2, admin=published["admin"], note="A late report from Hà Nội.")
    with translation.override("en"):
        revised = build_report(2026)

    assert unchanged == before
    assert overview(revised)["TA-02"] == "115"
    assert "revision 1" in revised.release_label


def test_an_indicator_with_national_figures_only_is_reported(published):
    # An indicator reported by ministries has no provincial rows in its release.
    ta02 = Indicator.objects.get(code="TA-02")
    ReleaseCell.objects.filter(indicator=ta02, province__isnull=False).delete()

    with translation.override("en"):
        report = build_report(2026)

    section = next(s for p in report.pillars for s in p.indicators if s.code == "TA-02")
    assert section.value == "65"
    assert section.national_only
    assert section.series == [("Q2/2026", 65)]


def test_a_hidden_national_value_is_never_printed(published):
    ta02 = Indicator.objects.get(code="TA-02")
    ReleaseCell.objects.filter(
        indicator=ta02, province__isnull=True, period_code="2026", dimension="total"
    ).update(value_hidden=True)

    with translation.override("en"):
        report = build_report(2026)

    section = next(s for p in report.pillars for s in p.indicators if s.code == "TA-02")
    assert section.value == ""
    assert "hidden" in section.value_note


def test_a_picked_highlight_is_quoted_under_its_pillar(published, tmp_path):
    from summaries import services

    services.nap_highlight_add(actor=published["admin"], year=2026, report_id=published["hanoi"].pk)
    output = tmp_path / "report.docx"

    call_command("nap_report", year=2026, language="vi", file_format="docx", output=output)

    text, _rows = docx_text(output)
    assert NARRATIVE in text


def test_only_an_approved_report_of_the_year_can_be_a_highlight(published):
    from summaries import services
    from summaries.nap_report import NapReportError

    draft = factories.draft_report(
        organisation=factories.OrganisationFactory(province=factories.province(HANOI)),
        period_code="2026-Q3",
    )
    with pytest.raises(NapReportError):
        services.nap_highlight_add(actor=published["admin"], year=2026, report_id=draft.pk)
    with pytest.raises(NapReportError):
        services.nap_highlight_add(
            actor=published["admin"], year=2025, report_id=published["hanoi"].pk
        )
    assert not NapReportHighlight.objects.exists()


# --- the page --------------------------------------------------------------------------------


def test_an_admin_builds_the_report_on_the_page_and_downloads_it(
    client, published, django_capture_on_commit_callbacks
):
    admin = published["admin"]
    client.force_login(admin)

    with django_capture_on_commit_callbacks(execute=True):  # the task runs eagerly on commit
        response = client.post(
            reverse("summaries:nap_report_build"),
            {"year": "2026", "language": "vi", "file_format": "docx"},
        )

    assert response.status_code == 302
    build = NapReportBuild.objects.get()
    assert (build.status, build.progress) == (NapReportBuild.Status.DONE, 100)
    assert build.release == published["release"]
    page = client.get(reverse("summaries:nap_report"))
    assert build.download_name in page.content.decode()
    assert b'http-equiv="refresh"' not in page.content  # nothing left to poll
    download = client.get(reverse("summaries:nap_report_download", args=[build.pk]))
    assert download.status_code == 200
    _text, rows = docx_text(b"".join(download.streaming_content))
    assert rows["TA-02"][2] == "65*"
    actions = set(AuditEvent.objects.filter(user=admin).values_list("action", flat=True))
    assert {"nap_report", "nap_report_download"} <= actions


def test_a_running_build_shows_its_progress_and_the_page_polls(client, published):
    admin = published["admin"]
    NapReportBuild.objects.create(
        year=2026,
        language="en",
        file_format="pdf",
        requested_by=admin,
        status=NapReportBuild.Status.RUNNING,
        progress=45,
    )
    client.force_login(admin)

    page = client.get(reverse("summaries:nap_report")).content.decode()

    assert 'http-equiv="refresh"' in page
    assert 'value="45"' in page


def test_a_year_without_a_release_is_refused_on_the_page(client, published):
    client.force_login(published["admin"])

    response = client.post(
        reverse("summaries:nap_report_build"),
        {"year": "2025", "language": "vi", "file_format": "pdf"},
    )

    assert response.status_code == 400
    assert not NapReportBuild.objects.exists()


def test_the_admin_picks_and_removes_a_highlight_on_the_page(client, published):
    client.force_login(published["admin"])
    page = client.get(reverse("summaries:nap_report"), {"year": "2026"}).content.decode()
    assert "Tập huấn địa chỉ tin cậy" in page  # offered: approved, with a narrative

    client.post(
        reverse("summaries:nap_highlight_add"),
        {"year": "2026", "report": str(published["hanoi"].pk)},
    )
    highlight = NapReportHighlight.objects.get()
    refused = client.post(reverse("summaries:nap_highlight_add"), {"year": "2026", "report": "x"})
    client.post(reverse("summaries:nap_highlight_remove", args=[highlight.pk]), {"year": "2026"})

    assert highlight.report == published["hanoi"]
    assert refused.status_code == 400
    assert not NapReportHighlight.objects.exists()


def _other_build(admin):
    return NapReportBuild.objects.create(
        year=2026, language="en", file_format="pdf", requested_by=admin, status="done"
    )


@pytest.mark.parametrize(
    ("role", "expected"),
    [("reporter", 403), ("reviewer", 403), ("admin", 200)],
)
def test_permission_table(client, published, role, expected):
    people = {
        "reporter": factories.reporter(
            organisation=factories.OrganisationFactory(province=factories.province(HANOI))
        ),
        "reviewer": factories.reviewer(provinces=[factories.province(HANOI)]),
        "admin": published["admin"],
    }
    highlight = NapReportHighlight.objects.create(
        year=2026, report=published["hanoi"], chosen_by=published["admin"]
    )
    build = _other_build(published["admin"])  # done but without a file: 404 even for admins
    client.force_login(people[role])

    page = client.get(reverse("summaries:nap_report"))
    build_post = client.post(
        reverse("summaries:nap_report_build"),
        {"year": "2026", "language": "en", "file_format": "pdf"},
    )
    download = client.get(reverse("summaries:nap_report_download", args=[build.pk]))
    add = client.post(
        reverse("summaries:nap_highlight_add"),
        {"year": "2026", "report": str(published["hanoi"].pk)},
    )
    remove = client.post(reverse("summaries:nap_highlight_remove", args=[highlight.pk]))

    assert page.status_code == expected
    if role == "admin":
        assert (build_post.status_code, download.status_code) == (302, 404)
        assert (add.status_code, remove.status_code) == (302, 302)
        assert NapReportBuild.objects.count() == 2
    else:
        statuses = {build_post.status_code, download.status_code, add.status_code}
        assert statuses | {remove.status_code} == {403}
        assert NapReportBuild.objects.count() == 1
        assert NapReportHighlight.objects.filter(pk=highlight.pk).exists()
        assert "nap_report" not in page.content.decode()


def test_anonymous_visitors_are_sent_to_the_login(client, published):
    response = client.get(reverse("summaries:nap_report"))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_financing_hook_adds_a_table_per_pillar_and_is_absent_without_a_reader(
    published, monkeypatch
):
    from summaries import nap_report, nap_report_render
    from summaries.nap_report import FinancingLine

    def render() -> str:
        with translation.override("en"):
            report = build_report(2026)
            output = io.BytesIO()
            nap_report_render.write_docx(report, {}, output)
        return docx_text(output.getvalue())[0]

    monkeypatch.setattr(nap_report, "FINANCING_READER", None)
    without = render()
    monkeypatch.setattr(
        nap_report,
        "FINANCING_READER",
        lambda release: {"protection": [FinancingLine("UN Women", 125_000_000)]},
    )
    with_reader = render()

    assert "Funding source" not in without
    assert "UN Women" in with_reader
    assert "125,000,000" in with_reader
    assert "No spending on this pillar was published this year." in with_reader


def test_a_build_that_cannot_be_made_is_marked_failed_with_its_reason(published):
    from summaries import services
    from summaries.nap_report import NapReportError

    build = NapReportBuild.objects.create(
        year=2030, language="en", file_format="pdf", requested_by=published["admin"]
    )

    with pytest.raises(NapReportError):
        services.nap_report_build_run(build_id=build.pk)

    build.refresh_from_db()
    assert build.status == NapReportBuild.Status.FAILED
    assert "No release of 2030" in build.error
    assert not build.file


def test_an_indicator_reported_once_a_year_is_charted_with_its_year_value(published):
    # An annual national report's cells are the year's cells: there is no quarter to chart.
    ta02 = Indicator.objects.get(code="TA-02")
    ReleaseCell.objects.filter(indicator=ta02).exclude(period_code="2026").delete()

    with translation.override("en"):
        report = build_report(2026)

    section = next(s for p in report.pillars for s in p.indicators if s.code == "TA-02")
    assert section.series == [("Year 2026", 65)]


def test_the_report_shows_the_spending_its_release_published(published):
    from reports.models import FundingSource, Spending
    from summaries import nap_report_render

    report = published["hanoi"]
    pillar = report.programme.default_pillar
    Spending.objects.create(
        report=report, amount=77_000_000, source=FundingSource.VWU_OWN, pillar=pillar
    )

    before = build_report(2026)
    factories.publish(2026, 2, admin=published["admin"], note="Spending added.")
    with translation.override("en"):
        after = build_report(2026)
        output = io.BytesIO()
        nap_report_render.write_docx(after, {}, output)

    assert all(not section.financing for section in before.pillars)
    assert [line.amount_vnd for s in after.pillars for line in s.financing or []] == [77_000_000]
    assert "77,000,000" in docx_text(output.getvalue())[0]
