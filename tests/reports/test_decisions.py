"""A reviewer who loses a race learns who decided and when; locking a period asks first;
aggregation run times read as people say them."""

import datetime
import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from reports import services
from reports.models import ReportingPeriod
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_reviewer_who_loses_a_race_is_told_who_decided_and_when():
    hanoi = factories.province("01")
    first = factories.reviewer(provinces=[hanoi])
    first.full_name = "Nguyễn Thị Lan"
    first.save()
    second = factories.reviewer(provinces=[hanoi])
    report = factories.submitted_report()
    version = report.version
    services.report_approve(reviewer=first, report_id=report.pk, expected_version=version)
    report.refresh_from_db()
    decided = timezone.localtime(report.reviewed_at)

    with translation.override("vi"), pytest.raises(services.ConflictError) as lost:
        services.report_return(
            reviewer=second, report_id=report.pk, comment="Sửa lại", expected_version=version
        )

    assert "Nguyễn Thị Lan" in str(lost.value)
    assert decided.strftime("%d/%m/%Y %H:%M") in str(lost.value)


def test_locking_a_period_asks_for_confirmation_first(client):
    admin = factories.admin_user()
    client.force_login(admin)
    period = ReportingPeriod.objects.by_code("2026-Q2")
    url = reverse("reports:period_lock", args=[period.pk])

    listed = client.get(reverse("reports:periods")).content.decode()
    confirm_page = client.get(url)
    one_click = client.post(url, {"locked": "1"})
    period.refresh_from_db()
    assert not period.is_locked
    assert confirm_page.status_code == 200
    assert 'name="confirm"' in confirm_page.content.decode()
    assert re.search(r'<a [^>]*href="/reports/periods/[0-9]+/lock/"', listed)
    assert 'name="locked"' not in listed
    assert one_click.status_code == 200

    confirmed = client.post(url, {"locked": "1", "confirm": "on"})

    period.refresh_from_db()
    assert confirmed.status_code == 302
    assert period.is_locked


@pytest.mark.parametrize(
    ("seconds", "language", "expected"),
    [
        (0.061234, "en", "0.06 s"),
        (0.061234, "vi", "0,06 giây"),
        (12.5, "en", "12.5 s"),
        (123, "en", "2 min 3 s"),
        (123, "vi", "2 phút 3 giây"),
        (3 * 3600 + 65, "en", "3 h 1 min"),
    ],
)
def test_run_durations_read_as_people_say_them(seconds, language, expected):
    template = Template("{% load portal_format %}{{ took|duration }}")

    with translation.override(language):
        shown = template.render(Context({"took": datetime.timedelta(seconds=seconds)}))

    assert shown == expected


def test_the_runs_page_shows_no_raw_time_delta(client):
    from summaries import services as summary_services

    summary_services.aggregation_full()
    client.force_login(factories.admin_user())

    page = client.get(reverse("summaries:runs")).content.decode()

    assert "0:00:" not in page
