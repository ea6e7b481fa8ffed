"""Each audited action writes exactly one audit row, and never a report's text."""

import csv
import io
import logging

import pytest
from django.test import Client
from django.urls import reverse

from portal.models import AuditEvent, Membership
from reports import services
from summaries import aggregation
from tests import factories
from tests.csv_reading import HOSTILE_TEXTS, formula_cells
from tests.security.conftest import post_login

pytestmark = pytest.mark.django_db

SENTINEL = "SENTINEL-Ω-nạn-nhân-7f3a"


def rows(action):
    return AuditEvent.objects.filter(action=action)


def test_a_login_writes_one_row_with_the_address(clock):
    user = factories.reporter()
    post_login(Client(), user.email, REMOTE_ADDR="198.51.100.4")
    event = rows("login").get()
    assert event.user == user and event.ip_address == "198.51.100.4"
    assert event.organisation == user.membership_list[0].organisation


def test_a_failed_login_writes_one_row(clock):
    post_login(Client(), "nobody@example.org", "wrong-password")
    event = rows("login_failed").get()
    assert event.username == "nobody@example.org" and event.outcome == "failure"


def test_a_refused_page_writes_one_row(client):
    user = factories.reporter()
    client.force_login(user)
    assert client.get(reverse("summaries:runs")).status_code == 403
    event = rows("access_denied").get()
    assert event.user == user and event.object_id == reverse("summaries:runs")


def test_each_report_transition_writes_one_row(client, clock):
    report = factories.draft_report()
    assert rows("report").count() == 1  # created
    author = report.created_by
    services.report_update(
        actor=author,
        report_id=report.pk,
        content=services.ReportContent(title="t", figures=factories.complete_figures(report)),
        submit=True,
    )
    reviewer = factories.reviewer(provinces=[report.province])
    services.report_approve(reviewer=reviewer, report_id=report.pk)
    details = list(rows("report").order_by("pk").values_list("detail", flat=True))
    assert details == [
        "created:-->draft",
        "edited:draft->draft",
        "submitted:draft->submitted",
        "approved:submitted->approved",
    ]


def test_a_summary_download_writes_one_row(client):
    admin = factories.admin_user()
    factories.approved_report()
    aggregation.rebuild_all()
    factories.publish(2026, 2, admin=admin)
    client.force_login(admin)
    response = client.get(reverse("summaries:download_csv"), {"year": 2026, "view": "published"})
    b"".join(response.streaming_content)
    event = rows("download").get()
    assert event.user == admin and event.detail == "csv"


def test_admin_changes_to_users_and_scopes_write_one_row_each(client):
    admin = factories.admin_user()
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    membership = factories.MembershipFactory(role=Membership.Role.REVIEWER)

    client.post(reverse("admin:portal_membership_delete", args=[membership.pk]), {"post": "yes"})
    password = "một mật khẩu dài cho tài khoản mới"
    client.post(
        reverse("admin:portal_user_add"),
        {
            "email": "new.reviewer@example.org",
            "full_name": "Trần Văn Bình",
            "usable_password": "true",
            "password1": password,
            "password2": password,
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    assert rows("admin_delete").get().object_type == "portal.membership"
    assert rows("admin_add").get().object_type == "portal.user"


def test_the_audit_log_is_append_only():
    event = AuditEvent.objects.create(action="login", outcome="success")
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.update(detail="x")


def test_report_text_never_reaches_the_audit_log_or_the_logs(client, caplog, clock):
    caplog.set_level(logging.DEBUG)
    report = factories.draft_report()
    author = report.created_by
    services.report_update(
        actor=author,
        report_id=report.pk,
        content=services.ReportContent(
            title=f"Tiêu đề {SENTINEL}",
            narrative=f"Mô tả {SENTINEL}",
            figures=factories.complete_figures(report),
        ),
        submit=True,
    )
    reviewer = factories.reviewer(provinces=[report.province])
    services.report_return(reviewer=reviewer, report_id=report.pk, comment=f"Sửa {SENTINEL}")
    services.report_update(
        actor=author,
        report_id=report.pk,
        content=services.ReportContent(
            title="Đã sửa", narrative=SENTINEL, figures=factories.complete_figures(report)
        ),
        submit=True,
    )
    services.report_approve(reviewer=reviewer, report_id=report.pk, comment=SENTINEL)
    aggregation.rebuild_all()
    admin = factories.admin_user()
    factories.publish(2026, 2, admin=admin)
    client.force_login(admin)
    b"".join(client.get(reverse("summaries:download_csv")).streaming_content)
    working = {"working": "1", "view": "working", "year": "2026"}
    b"".join(client.get(reverse("summaries:download_csv"), working).streaming_content)
    b"".join(client.get(reverse("audit_log_download")).streaming_content)

    assert AuditEvent.objects.count() > 5
    for event in AuditEvent.objects.all():
        for field in ("username", "object_type", "object_id", "detail"):
            assert SENTINEL not in getattr(event, field)
    assert SENTINEL not in caplog.text


def test_admins_filter_and_download_the_audit_log(client, clock):
    post_login(Client(), "nobody@example.org", "wrong-password")
    post_login(Client(), factories.reporter().email)
    admin = factories.admin_user()
    client.force_login(admin)

    page = client.get(reverse("audit_log"), {"action": "login_failed"})
    assert [e.action for e in page.context["events"]] == ["login_failed"]

    response = client.get(reverse("audit_log_download"), {"action": "login_failed"})
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeff")
    assert "nobody@example.org" in body and body.count("\r\n") == 2
    assert rows("audit_download").filter(user=admin).count() == 1


@pytest.mark.parametrize("role", ["reporter", "reviewer"])
def test_only_admins_see_the_audit_log(client, role):
    client.force_login(factories.reporter() if role == "reporter" else factories.reviewer())
    assert client.get(reverse("audit_log")).status_code == 403
    assert client.get(reverse("audit_log_download")).status_code == 403


def test_a_user_name_written_as_a_formula_stays_text_in_the_audit_csv(client, clock):
    for hostile in HOSTILE_TEXTS:  # anonymous attempts: anyone can put these in the log
        post_login(Client(), hostile, "wrong-password")
    client.force_login(factories.admin_user())

    response = client.get(reverse("audit_log_download"), {"action": "login_failed"})

    text = b"".join(response.streaming_content).decode()
    assert formula_cells(text) == []
    logged = {row[3] for row in csv.reader(io.StringIO(text.lstrip("\ufeff")))}
    assert ";'=1+1;" in logged  # there, and marked as text
