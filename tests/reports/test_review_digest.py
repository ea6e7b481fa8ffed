"""The reviewers' weekly digest: their queue, oldest first, with how long each report waited;
once per reviewer and week; none for an empty queue or a reviewer who switched e-mails off."""

import datetime
import zoneinfo

import pytest
import time_machine

from portal.models import Organisation
from reports import reminders
from reports.models import ReviewDigest
from tests import factories

pytestmark = pytest.mark.django_db

HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = datetime.date(2026, 7, 20)


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(7, 15), tzinfo=HANOI)


def submitted_on(day: datetime.date, title: str, organisation: Organisation):
    with time_machine.travel(at(day), tick=False):
        report = factories.submitted_report(organisation=organisation)
    report.title = title
    report.save(update_fields=["title"])
    return report


def send_on(day: datetime.date) -> int:
    with time_machine.travel(at(day), tick=False):
        return reminders.review_digests_send()


@pytest.fixture
def queue():
    """Two reports waiting in province 01, submitted 10 and 3 days before Monday."""
    organisation = factories.OrganisationFactory()
    newer = submitted_on(MONDAY - datetime.timedelta(days=3), "Báo cáo mới hơn", organisation)
    older = submitted_on(
        MONDAY - datetime.timedelta(days=10), "Báo cáo cũ hơn", factories.OrganisationFactory()
    )
    return older, newer


def test_a_reviewer_gets_their_queue_oldest_first_with_days_waiting(queue, mailoutbox):
    older, newer = queue
    reviewer = factories.reviewer(provinces=[older.province])

    assert send_on(MONDAY) == 1

    message = mailoutbox[0]
    assert message.to == [reviewer.email]
    assert "\n" not in message.subject
    english = message.body.split("----------")[1]
    assert english.index(older.title) < english.index(newer.title)
    assert "waiting 10 days" in english and "waiting 3 days" in english
    assert message.body.index("đang chờ bạn duyệt") < message.body.index("waiting for your review")
    assert ReviewDigest.objects.get().report_count == 2


def test_the_digest_goes_once_a_week_whatever_the_reruns(queue, mailoutbox):
    factories.reviewer(provinces=[queue[0].province])

    sent = [send_on(MONDAY + datetime.timedelta(days=offset)) for offset in range(0, 14)]
    assert send_on(MONDAY) == 0  # a retry of the first run

    assert sent[0] == 1 and sent[7] == 1
    assert sum(sent) == len(mailoutbox) == 2


def test_no_digest_for_an_empty_queue_an_opted_out_reviewer_or_a_reporter(queue, mailoutbox):
    older, _newer = queue
    factories.reviewer(provinces=[factories.province("79")])  # nothing waits in their scope
    opted_out = factories.reviewer(provinces=[older.province])
    opted_out.email_reminders = False
    opted_out.save(update_fields=["email_reminders"])
    factories.reporter(organisation=older.organisation)

    assert send_on(MONDAY) == 0

    assert mailoutbox == []
    assert not ReviewDigest.objects.exists()


def test_a_reviewer_never_finds_their_own_submission_in_the_digest(mailoutbox):
    organisation = factories.OrganisationFactory()
    reviewer = factories.reviewer(provinces=[organisation.province])
    factories.MembershipFactory(user=reviewer, organisation=organisation, role="reporter")
    with time_machine.travel(at(MONDAY - datetime.timedelta(days=2)), tick=False):
        factories.submitted_report(organisation=organisation, author=reviewer)

    assert send_on(MONDAY) == 0
