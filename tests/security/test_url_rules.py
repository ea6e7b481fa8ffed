"""Every URL pattern, walked: CSRF on every POST, nothing changes on GET, outsiders get 404.

(Anonymous visitors are sent to log in: tests/portal/test_login_required.py walks that rule.)
"""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from indicators.models import Indicator, Target
from portal.models import Membership, Organisation, User
from reports import services
from reports.models import (
    ActivityReport,
    Attachment,
    Figure,
    Notification,
    ReportEvent,
    ReportingPeriod,
)
from summaries.models import AggregationRun, ProvincialSummary
from tests import factories
from tests.conftest import VerifiedClient
from tests.files import small_pdf
from tests.portal.test_login_required import named_patterns

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
PDF = small_pdf()


@pytest.fixture
def world():
    report = factories.draft_report()
    attachment = services.attachment_add(
        actor=report.created_by,
        report_id=report.pk,
        upload=SimpleUploadedFile("evidence.pdf", PDF, content_type="application/pdf"),
    )
    services.report_update(
        actor=report.created_by,
        report_id=report.pk,
        content=services.ReportContent(title="t", figures=factories.complete_figures(report)),
        submit=True,
    )
    report.refresh_from_db()
    return {
        "report": report,
        "attachment": attachment,
        "period": report.period,
        "indicator": Indicator.objects.order_by("code").first(),
        "programme": report.programme,
    }


def urls(world) -> list[tuple[str, str]]:
    """(name, path) for every pattern, filled with real ids; the Django admin by its index."""
    found = []
    for name, pattern in named_patterns():
        if name.startswith("admin:") and name != "admin:index":
            continue
        keys = list(pattern.pattern.regex.groupindex)
        kwargs = {}
        for key in keys:
            if key == "pk":
                kwargs[key] = world["period"].pk if "period" in name else world["report"].pk
            elif key == "attachment_pk":
                kwargs[key] = world["attachment"].pk
            elif key == "code":
                kwargs[key] = (
                    world["indicator"].code if "indicator" in name else world["programme"].code
                )
            else:
                kwargs[key] = "x"
        found.append((name, reverse(name, kwargs=kwargs)))
    return sorted(set(found))


def snapshot() -> dict:
    """What GET must never change (logs of reads, sessions and lock counters excepted)."""
    return {
        "reports": list(ActivityReport.objects.values_list("pk", "status", "version")),
        "figures": Figure.objects.count(),
        "events": ReportEvent.objects.count(),
        "attachments": Attachment.objects.count(),
        "notifications": list(Notification.objects.values_list("pk", "read_at")),
        "summaries": ProvincialSummary.objects.count(),
        "runs": AggregationRun.objects.count(),
        "periods": list(ReportingPeriod.objects.filter(is_locked=True).values_list("pk")),
        "users": list(User.objects.values_list("pk", "is_active", "password")),
        "memberships": Membership.objects.count(),
        "organisations": Organisation.objects.count(),
        "targets": Target.objects.count(),
        "devices": TOTPDevice.objects.count(),
    }


def test_a_post_without_a_csrf_token_is_refused_everywhere(world):
    admin = factories.admin_user()
    client = VerifiedClient(enforce_csrf_checks=True)
    client.force_login(admin)
    before = snapshot()
    for name, path in urls(world):
        response = client.post(path, {})
        assert response.status_code == 403, (name, path, response.status_code)
    assert snapshot() == before


@pytest.mark.parametrize("role", ["reporter", "reviewer", "admin"])
def test_a_get_changes_nothing(world, role):
    report = world["report"]
    people = {
        "reporter": report.created_by,
        "reviewer": factories.reviewer(provinces=[report.province]),
        "admin": factories.admin_user(),
    }
    client = VerifiedClient()
    client.force_login(people[role])
    before = snapshot()
    for name, path in urls(world):
        if name == "logout":
            continue
        response = client.get(path)
        assert response.status_code < 500, (name, path)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        assert snapshot() == before, (name, path)


REPORT_SCOPED = {
    "reports:detail",
    "reports:edit",
    "reports:submit",
    "reports:withdraw",
    "reports:approve",
    "reports:return",
    "reports:reopen",
    "reports:attachment_add",
    "reports:attachment_download",
    "reports:attachment_delete",
    "api:report-detail",
    "api:report-submit",
    "api:report-withdraw",
    "api:report-approve",
    "api:report-return",
}


@pytest.mark.parametrize("who", ["reporter elsewhere", "reviewer out of scope"])
def test_another_organisations_report_is_a_404_on_every_url(world, who):
    outsider = (
        factories.reporter()
        if who == "reporter elsewhere"
        else factories.reviewer(provinces=[factories.province("79")])
    )
    client = VerifiedClient()
    client.force_login(outsider)
    before = snapshot()
    checked = 0
    for name, path in urls(world):
        if name in REPORT_SCOPED:
            # A method the view does not take is refused before anything is looked up (405);
            # the method it takes answers 404, as for a report that does not exist.
            got = client.get(path).status_code
            posted = client.post(path, {"comment": "x", "reason": "x"}).status_code
            assert {got, posted} <= {404, 405} and 404 in {got, posted}, (name, got, posted)
            checked += 1
    assert checked == len(REPORT_SCOPED)
    assert snapshot() == before


def test_no_view_is_exempt_from_csrf():
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("portal", "indicators", "reports", "summaries", "config")
        for path in (ROOT / folder).rglob("*.py")
        if "csrf_exempt" in path.read_text()
    ]
    assert offenders == []


def test_every_nosec_says_why():
    for folder in ("portal", "indicators", "reports", "summaries", "config", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if "nosec" in line:
                    reason = line.split("nosec", 1)[1]
                    assert " - " in reason, f"{path.name}:{number}: nosec without a reason"
