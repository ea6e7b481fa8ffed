"""Two runs of the daily job (or of the weekly digest) at the same moment, on PostgreSQL's real
row locks: every e-mail still goes once."""

import datetime
import time
import zoneinfo

import pytest
import time_machine
from django.conf import settings

from reports import reminders
from reports.models import Notification, ReviewDigest
from tests import factories
from tests.reports.test_concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="row locks need PostgreSQL (SQLite serialises whole transactions); set DATABASE_URL",
    ),
]

HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
DEADLINE_DAY = datetime.datetime(2026, 7, 15, 7, tzinfo=HANOI)


@pytest.fixture
def slow_mail(monkeypatch):
    """The mail server takes a moment, so that the two runs overlap."""

    def slowly(original):
        def send(*args, **kwargs):
            time.sleep(0.3)
            return original(*args, **kwargs)

        return send

    monkeypatch.setattr(reminders, "send_mass_mail", slowly(reminders.send_mass_mail))
    monkeypatch.setattr(reminders, "send_mail", slowly(reminders.send_mail))


def test_two_daily_jobs_at_once_send_each_reminder_once(slow_mail, mailoutbox):
    for _ in range(6):
        organisation = factories.OrganisationFactory()
        organisation.programmes.add(factories.programme())
        factories.reporter(organisation=organisation)

    with time_machine.travel(DEADLINE_DAY, tick=False):
        results, errors = run_together(
            reminders.deadline_reminders_send, reminders.deadline_reminders_send
        )

    assert errors == []
    assert sum(results) == 6
    assert len(mailoutbox) == 6
    assert len({message.to[0] for message in mailoutbox}) == 6
    assert Notification.objects.filter(emailed_at=None).count() == 0


def test_two_digest_runs_at_once_send_one_digest(slow_mail, mailoutbox):
    with time_machine.travel(DEADLINE_DAY - datetime.timedelta(days=3), tick=False):
        report = factories.submitted_report()
    factories.reviewer(provinces=[report.province])

    with time_machine.travel(DEADLINE_DAY, tick=False):
        results, errors = run_together(reminders.review_digests_send, reminders.review_digests_send)

    assert errors == []
    assert sorted(results) == [0, 1]
    assert len(mailoutbox) == 1
    assert ReviewDigest.objects.count() == 1
