"""Stored XSS: script planted in every free-text field, then every page, e-mail, file and admin
page that shows it, read back.

Every field below holds `<script>alert(1)</script>` and `"><img src=x onerror=alert(1)>` (the
second breaks out of an attribute). Pages must show the field escaped, never the markup; the
escaped text must be there, so that a page which stopped showing the field does not pass by
accident. E-mails are plain text only (no HTML part), where the text is shown as typed. CSV and
XLSX files are downloads (`attachment`, their own type, `nosniff`), never read as HTML. Chart
labels travel as JSON in `json_script` and are drawn on a canvas by a script that never
writes HTML. The Content-Security-Policy forbids inline script anyway; tests at the end read it
and check that no template relies on inline script, event handlers or `javascript:` URLs.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from indicators.models import Indicator, Programme
from portal.models import Organisation, Province
from reports import services
from summaries import aggregation
from tests import factories
from tests.conftest import VerifiedClient
from tests.files import small_pdf

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
PAYLOAD = SCRIPT + BREAKOUT
# What must never reach an HTML page as markup.
RAW = [b"<script>alert(1)", b"<img src=x onerror", b"<svg/onload", b'"><img src=x']

FIELDS = {
    "title": "Ti" + PAYLOAD,
    "narrative": "Na" + PAYLOAD,
    "commune": "Co" + PAYLOAD,
    "return comment": "Rc" + PAYLOAD,
    "approval comment": "Ac" + PAYLOAD,
    "reopening reason": "Rr" + PAYLOAD,
    "organisation": "Or" + PAYLOAD,
    "programme": "Pg" + PAYLOAD,
    "programme description": "Pd" + PAYLOAD,
    "indicator": "In" + PAYLOAD,
    "indicator definition": "Id" + PAYLOAD,
    "unit": "<svg/onload=alert(1)>",
    "release note": "Rn" + PAYLOAD,
    "province": "Pv" + PAYLOAD,
    "province short name": "Ps" + PAYLOAD,
    "file name": "Fn" + BREAKOUT + ".pdf",
    "reporter name": "Au" + PAYLOAD,
    "reviewer name": "Rv" + PAYLOAD,
    "admin name": "Ad" + PAYLOAD,
}


@pytest.fixture
def world(django_capture_on_commit_callbacks, mailoutbox):
    """Every free-text field holds the payload: a province, an organisation in it, a programme
    and one of its indicators, three people; a report returned, corrected, approved, published
    with a release note; another approved then reopened; an attachment with a hostile name."""
    province = Province.objects.get(code="01")
    Province.objects.filter(pk=province.pk).update(
        name_vi=FIELDS["province"], short_name_vi=FIELDS["province short name"]
    )
    programme = Programme.objects.get(code="trusted-address")
    Programme.objects.filter(pk=programme.pk).update(
        name_vi=FIELDS["programme"], description_vi=FIELDS["programme description"]
    )
    indicator = (
        programme.indicators.exclude(aggregation=Indicator.Aggregation.RATIO)
        .order_by("code")
        .first()
    )
    Indicator.objects.filter(pk=indicator.pk).update(
        name_vi=FIELDS["indicator"],
        description=FIELDS["indicator definition"],
        unit=FIELDS["unit"],
    )
    organisation = factories.OrganisationFactory(name=FIELDS["organisation"], province=province)
    programme.organisations.add(organisation)
    author = factories.reporter(organisation=organisation, user__full_name=FIELDS["reporter name"])
    reviewer = factories.reviewer(provinces=[province])
    reviewer.full_name = FIELDS["reviewer name"]
    reviewer.save(update_fields=["full_name"])
    admin = factories.admin_user(user__full_name=FIELDS["admin name"], user__is_superuser=True)

    with django_capture_on_commit_callbacks(execute=True):
        report = factories.draft_report(organisation=organisation, author=author)
        attachment = services.attachment_add(
            actor=author,
            report_id=report.pk,
            upload=SimpleUploadedFile(
                FIELDS["file name"], small_pdf(), content_type="application/pdf"
            ),
        )
        content = services.ReportContent(
            title=FIELDS["title"],
            narrative=FIELDS["narrative"],
            commune=FIELDS["commune"],
            figures=factories.figures_with_total(report, 40),
        )
        services.report_update(actor=author, report_id=report.pk, content=content, submit=True)
        services.report_return(
            reviewer=reviewer, report_id=report.pk, comment=FIELDS["return comment"]
        )
        services.report_update(actor=author, report_id=report.pk, content=content, submit=True)
        services.report_approve(
            reviewer=reviewer, report_id=report.pk, comment=FIELDS["approval comment"]
        )
        other = factories.draft_report(
            organisation=organisation, author=author, period_code="2026-Q1"
        )
        services.report_update(
            actor=author,
            report_id=other.pk,
            content=services.ReportContent(
                title=FIELDS["title"], figures=factories.figures_with_total(other, 40)
            ),
            submit=True,
        )
        services.report_approve(reviewer=reviewer, report_id=other.pk)
    aggregation.rebuild_all()
    services.period_set_locked(actor=admin, period_id=report.period_id, locked=True)
    release = factories.publish(2026, 2, admin=admin, note=FIELDS["release note"])
    with django_capture_on_commit_callbacks(execute=True):
        services.report_reopen(actor=admin, report_id=other.pk, reason=FIELDS["reopening reason"])
    return {
        "report": report,
        "other": other,
        "attachment": attachment,
        "author": author,
        "reviewer": reviewer,
        "admin": admin,
        "organisation": Organisation.objects.get(pk=organisation.pk),
        "programme": programme,
        "indicator": indicator,
        "province": province,
        "release": release,
        "mail": mailoutbox,
    }


def pages(world) -> list[tuple[str, str, set[str]]]:
    """(who, url, fields the page must show) for every page that shows one of the fields."""
    report, other = world["report"], world["other"]
    detail = reverse("reports:detail", args=[report.pk])
    year = {"year": 2026}
    summaries = f"{reverse('summaries:index')}?year=2026&quarter=2"
    working = f"{summaries}&view=working"
    people = {"reporter name", "reviewer name"}
    report_text = {"title", "narrative", "commune", "return comment", "approval comment"}
    return [
        ("author", reverse("home"), {"organisation"}),
        ("author", reverse("reports:list"), {"title", "organisation", "programme"}),
        ("author", detail, report_text | people | {"organisation", "programme", "file name"}),
        ("author", detail, {"indicator"}),
        ("author", reverse("reports:edit", args=[other.pk]), {"reopening reason", "title"}),
        ("author", reverse("reports:returned"), {"title", "reopening reason"}),
        ("author", reverse("reports:notifications"), {"title", "approval comment"}),
        ("author", reverse("reports:create"), {"programme", "organisation"}),
        ("author", reverse("indicators:catalogue"), {"programme", "indicator"}),
        (
            "author",
            reverse("indicators:programme_detail", args=[world["programme"].code]),
            {"programme", "programme description", "indicator"},
        ),
        (
            "author",
            reverse("indicators:indicator_detail", args=[world["indicator"].code]),
            {"indicator", "indicator definition", "unit", "programme"},
        ),
        ("author", summaries, {"indicator", "province short name"}),
        ("reviewer", reverse("reports:list"), {"title", "organisation"}),
        ("reviewer", detail, report_text | {"reporter name"}),
        ("reviewer", working, {"indicator", "province short name"}),
        (
            "reviewer",
            f"{reverse('summaries:completeness')}?period={report.period_id}&province=01",
            {"organisation", "programme", "province short name"},
        ),
        (
            "admin",
            f"{reverse('reports:periods')}?page={periods_page(report.period)}",
            {"admin name"},
        ),
        ("admin", reverse("summaries:releases"), {"release note", "admin name"}),
        ("admin", f"{reverse('summaries:index')}?{'year=2026'}&view=working", {"indicator"}),
        ("admin", reverse("summaries:runs"), set()),
        ("admin", reverse("audit_log"), {"organisation"}),
        ("admin", f"{detail}?version={report.events.get(kind='approved').pk}", {"title"}),
        *[
            ("admin", url, fields)
            for url, fields in [
                (reverse("admin:reports_activityreport_changelist"), {"title", "organisation"}),
                (
                    reverse("admin:reports_activityreport_change", args=[report.pk]),
                    {"title", "return comment"},
                ),
                (reverse("admin:portal_organisation_changelist"), {"organisation"}),
                (reverse("admin:indicators_programme_changelist"), {"programme"}),
                (reverse("admin:indicators_indicator_changelist"), {"indicator"}),
                (
                    reverse("admin:indicators_indicator_change", args=[world["indicator"].pk]),
                    {"indicator", "indicator definition"},
                ),
                (reverse("admin:portal_province_changelist"), {"province"}),
                (reverse("admin:portal_user_changelist"), {"reporter name", "reviewer name"}),
                (reverse("admin:portal_membership_changelist"), {"organisation"}),
                (
                    reverse("admin:portal_organisation_history", args=[world["organisation"].pk]),
                    {"organisation"},
                ),
                (
                    reverse("admin:portal_organisation_delete", args=[world["organisation"].pk]),
                    {"organisation"},
                ),
            ]
        ],
        *[("admin", reverse("summaries:index") + f"?year={y}", set()) for y in year.values()],
    ]


def periods_page(period) -> int:
    """The page of the periods list that shows `period` (and who locked it)."""
    from reports.models import ReportingPeriod

    ordered = list(
        ReportingPeriod.objects.started()
        .order_by("-start_date", "kind")
        .values_list("pk", flat=True)
    )
    return ordered.index(period.pk) // 24 + 1


def get(world, who: str, url: str):
    client = VerifiedClient()
    client.force_login(world[who])
    return client.get(url)


def test_every_page_shows_every_field_escaped_and_never_as_markup(world):
    missing = []
    for who, url, fields in pages(world):
        response = get(world, who, url)

        assert response.status_code == 200, (who, url, response.status_code)
        assert response["Content-Type"].startswith("text/html")
        for raw in RAW:
            assert raw not in response.content, (who, url, raw)
        page = response.content.decode()
        missing += [(who, url, f) for f in fields if escape(FIELDS[f]) not in page]
    assert missing == [], "\n".join(map(str, missing))


def test_chart_labels_travel_as_escaped_json_and_come_back_as_typed(world):
    response = get(world, "author", f"{reverse('summaries:index')}?year=2026&quarter=2")
    page = response.content.decode()
    found = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', page, re.S)

    assert found, "the page draws no chart"
    text = found.group(1)
    assert "<" not in text and ">" not in text  # json_script writes \u003C and \u003E
    import json

    charts = json.loads(text)
    assert FIELDS["indicator"] in charts["indicator"]
    assert charts["unit"] == FIELDS["unit"]
    assert FIELDS["province short name"] in [label for label, _value in charts["by_province"]]


def test_the_portals_scripts_never_write_html():
    """Chart labels and messages reach the page through textContent or a canvas, never as HTML."""
    sinks = re.compile(
        r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function"
    )
    for path in (ROOT / "static" / "js").glob("*.js"):
        assert not sinks.search(path.read_text()), path.name
    charts = (ROOT / "static" / "js" / "summary-charts.js").read_text()
    assert "JSON.parse(source.textContent)" in charts


def test_e_mails_are_plain_text_only_and_keep_the_text_as_typed(world, client):
    client.post(reverse("password_reset"), {"email": world["author"].email})
    messages = world["mail"]
    kinds = {m.subject.split("]")[1].split(":")[0].strip() for m in messages if "]" in m.subject}

    assert len(messages) >= 6 and len(kinds) >= 3  # submitted, returned, approved, reopened, reset
    for message in messages:
        assert message.content_subtype == "plain"
        assert not getattr(message, "alternatives", [])
        assert not message.attachments
        assert "\n" not in message.subject and "\r" not in message.subject
    notices = [m for m in messages if "[NAP-WPS]" in m.subject]
    assert any(FIELDS["title"] in m.subject for m in notices)  # plain text: shown as typed
    assert any(FIELDS["return comment"] in m.body for m in notices)
    assert not any("&lt;" in m.subject + m.body for m in notices)  # and not mangled


def test_no_code_sends_an_html_e_mail_or_marks_text_safe():
    """Every e-mail is rendered from a .txt template; nothing in the portal's code makes HTML
    out of data (the one `|safe` in templates is the QR code, an SVG segno drew)."""
    offenders = []
    for folder in ("portal", "indicators", "reports", "summaries", "config"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text()
            for word in (
                "html_message",
                "EmailMultiAlternatives",
                "attach_alternative",
                "mark_safe",
                "SafeString",
                "format_html",
                "|safe",
            ):
                if word in text:
                    offenders.append((str(path.relative_to(ROOT)), word))
    assert offenders == []


def template_files() -> list[Path]:
    folders = [
        ROOT / "templates",
        *[ROOT / app / "templates" for app in ("portal", "indicators", "reports", "summaries")],
    ]
    return [
        p
        for folder in folders
        if folder.exists()
        for p in folder.rglob("*")
        if p.suffix in {".html", ".txt"}
    ]


def test_no_template_has_inline_script_event_handlers_or_javascript_urls():
    offenders = []
    for path in template_files():
        text = path.read_text()
        name = str(path.relative_to(ROOT))
        for tag in re.findall(r"<script\b[^>]*>", text, re.I):
            if "src=" not in tag and "nonce=" not in tag:
                offenders.append((name, tag))
        for handler in re.findall(r"<[^>]*\son[a-z]+\s*=", text, re.I):
            offenders.append((name, handler[-40:]))
        if re.search(r"javascript:", text, re.I):
            offenders.append((name, "javascript:"))
    assert offenders == []


def test_templates_escape_everything_but_the_qr_code():
    """Autoescape is never turned off in an HTML template (plain-text e-mails turn it off on
    purpose), and `|safe` marks only the QR code's SVG, which holds paths and no text."""
    marked = []
    for path in template_files():
        text = path.read_text()
        name = str(path.relative_to(ROOT))
        if path.suffix == ".html" and "autoescape off" in text:
            marked.append((name, "autoescape off"))
        marked += [(name, hit) for hit in re.findall(r"\{\{[^}]*\|\s*safe[^}]*\}\}", text)]
        marked += [(name, hit) for hit in re.findall(r"\|\s*safeseq|\{%\s*filter\s+safe", text)]
    assert marked == [("templates/registration/two_factor_setup.html", "{{ qr_svg|safe }}")]


def test_the_qr_code_svg_carries_no_text_of_the_user(unverified_client):
    from tests.security.conftest import post_login

    reviewer = factories.reviewer()
    reviewer.full_name = FIELDS["reviewer name"]
    reviewer.save(update_fields=["full_name"])
    post_login(unverified_client, reviewer.email)

    page = unverified_client.get(reverse("two_factor_setup")).content.decode()

    svg = re.search(r'<div[^>]*id="totp-qr"[^>]*>(.*?)</div>', page, re.S).group(1)
    assert re.fullmatch(r"\s*<svg[^>]*>(\s*<path[^>]*/>)+\s*</svg>\s*", svg), svg[:200]
    for raw in RAW:
        assert raw not in page.encode()


def test_downloads_are_never_read_as_html(world):
    client = VerifiedClient()
    client.force_login(world["reviewer"])
    report, attachment = world["report"], world["attachment"]
    csv_response = client.get(reverse("summaries:download_csv"), {"year": 2026, "quarter": 2})
    xlsx_response = client.get(reverse("summaries:download_xlsx"), {"year": 2026, "quarter": 2})
    evidence = client.get(reverse("reports:attachment_download", args=[report.pk, attachment.pk]))
    admin_client = VerifiedClient()
    admin_client.force_login(world["admin"])
    audit = admin_client.get(reverse("audit_log_download"))

    for response, kind in [
        (csv_response, "text/csv"),
        (xlsx_response, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (evidence, "application/pdf"),
        (audit, "text/csv"),
    ]:
        assert response.status_code == 200
        assert response["Content-Type"].startswith(kind)
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
    assert (
        "Fn" not in evidence["Content-Disposition"]
    )  # the portal names the file, not the uploader
    text = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    # Data, quoted as CSV quotes it, shown as typed by a spreadsheet and never as a page.
    assert FIELDS["indicator"].replace('"', '""') in text
    import io

    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx_response.streaming_content)))
    values = {c.value for sheet in workbook for row in sheet.iter_rows() for c in row}
    assert any(isinstance(v, str) and FIELDS["indicator"] in v for v in values)


# --- Content-Security-Policy -----------------------------------------------------------------


def policy_of(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize("url", ["login", "reports:list", "admin:index"])
def test_the_content_security_policy_allows_nothing_inline_nothing_evaluated_nothing_else(
    admin_user, url
):
    client = VerifiedClient()
    client.force_login(admin_user)
    response = client.get(reverse(url))
    policy = policy_of(response)

    every_value = [v for values in policy.values() for v in values]
    assert "'unsafe-inline'" not in every_value and "'unsafe-eval'" not in every_value
    assert "'unsafe-hashes'" not in every_value and "'strict-dynamic'" not in every_value
    assert not [v for v in every_value if "*" in v or v in {"http:", "https:", "blob:"}]
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["img-src"] == ["'self'", "data:"]  # data: for images only (Bootstrap's icons)


def test_the_policy_setting_is_the_one_served():
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert "script-src-attr" not in directives and "script-src-elem" not in directives
    assert "REPORT_ONLY" not in str(settings.CONTENT_SECURITY_POLICY)


def test_messages_that_name_an_organisation_or_programme_are_escaped(world):
    """A refused duplicate names the organisation, programme and period in a message."""
    existing = factories.draft_report(
        organisation=world["organisation"], author=world["author"], period_code="2026-Q3"
    )
    client = VerifiedClient()
    client.force_login(world["author"])

    response = client.post(
        reverse("reports:create"),
        {
            "organisation": existing.organisation_id,
            "programme": existing.programme_id,
            "period": existing.period_id,
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0].startswith(existing.get_absolute_url())
    page = response.content.decode()
    alerts = " ".join(re.findall(r'<div class="alert[^"]*" role="alert">(.*?)</div>', page, re.S))
    assert escape(FIELDS["organisation"]) in alerts and escape(FIELDS["programme"]) in alerts
    for raw in RAW:
        assert raw.decode() not in page
