"""Deadline reminders: who owes a report, the three moments, once each with frozen time, the
opt-out, the e-mails (Vietnamese then English) and the notices in the portal."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from portal.models import Organisation
from reports import reminders, services
from reports.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db

HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
DEADLINE = datetime.date(2026, 7, 15)  # 2026-Q2: 15 days after the quarter ends
Kind = Notification.Kind


def morning(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(7), tzinfo=HANOI)


def day(offset: int) -> datetime.date:
    return DEADLINE + datetime.timedelta(days=offset)


def run_on(offset: int) -> int:
    with time_machine.travel(morning(day(offset)), tick=False):
        return reminders.deadline_reminders_send()


def organisation_running(programme_code="trusted-address", **kwargs) -> Organisation:
    organisation = factories.OrganisationFactory(**kwargs)
    organisation.programmes.add(factories.programme(programme_code))
    return organisation


@pytest.fixture
def owing():
    """An organisation that runs the programme and has not reported, with a reporter."""
    organisation = organisation_running()
    return organisation, factories.reporter(organisation=organisation)


def reminded() -> set[tuple[str, int, str]]:
    return set(
        Notification.objects.filter(kind__in=Notification.REMINDER_KINDS).values_list(
            "recipient__email", "organisation_id", "kind"
        )
    )


# --- Who is expected -----------------------------------------------------------------------


def test_only_the_reporters_of_organisations_that_owe_a_report_are_reminded(owing, mailoutbox):
    organisation, reporter = owing
    factories.reviewer(provinces=[organisation.province])  # reviewers are not reminded
    colleague = factories.reporter(organisation=organisation)
    gone = factories.reporter(organisation=organisation)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    with time_machine.travel(morning(day(-20)), tick=False):
        filed = factories.submitted_report(organisation=organisation_running())
    runs_nothing = factories.OrganisationFactory()  # no programme: expected to file nothing
    factories.reporter(organisation=runs_nothing)
    closed = organisation_running(is_active=False)
    factories.reporter(organisation=closed)
    yearly = organisation_running("nap-national", province=None)  # reports by year, not quarter
    factories.reporter(organisation=yearly)

    run_on(0)

    assert reminded() == {
        (reporter.email, organisation.pk, Kind.REMINDER_DUE),
        (colleague.email, organisation.pk, Kind.REMINDER_DUE),
    }
    assert sorted(m.to[0] for m in mailoutbox) == sorted([reporter.email, colleague.email])
    assert filed.created_by.email not in {m.to[0] for m in mailoutbox}


def test_a_draft_or_a_report_withdrawn_to_draft_is_still_owed(owing):
    organisation, reporter = owing
    with time_machine.travel(morning(day(-20)), tick=False):
        withdrawn = factories.submitted_report(organisation=organisation_running())
        services.report_withdraw(actor=withdrawn.created_by, report_id=withdrawn.pk)
        factories.draft_report(organisation=organisation, author=reporter)

    run_on(0)

    assert reminded() == {
        (reporter.email, organisation.pk, Kind.REMINDER_DUE),
        (withdrawn.created_by.email, withdrawn.organisation_id, Kind.REMINDER_DUE),
    }


def test_a_returned_report_was_filed_and_is_not_reminded(owing):
    organisation, reporter = owing
    with time_machine.travel(morning(day(-20)), tick=False):
        report = factories.submitted_report(organisation=organisation, author=reporter)
        services.report_return(
            reviewer=factories.reviewer(provinces=[report.province]),
            report_id=report.pk,
            comment="Thiếu số liệu",
        )

    run_on(0)

    assert not Notification.objects.filter(kind__in=Notification.REMINDER_KINDS).exists()


def test_a_locked_period_is_not_reminded(owing):
    period = factories.period("2026-Q2")
    period.is_locked = True
    period.save(update_fields=["is_locked"])

    run_on(0)

    assert not Notification.objects.exists()


# --- When: three moments, each once -------------------------------------------------------


def test_a_simulated_month_sends_each_reminder_once_on_its_day(owing, mailoutbox, settings):
    settings.REMINDER_DAYS_BEFORE = 7
    settings.REMINDER_DAYS_OVERDUE = 7
    organisation, reporter = owing
    sent_on: dict[int, int] = {}

    for offset in range(-15, 16):
        sent_on[offset] = run_on(offset)
        assert run_on(offset) == 0  # the job run again the same day (a retry) sends nothing

    assert {offset for offset, sent in sent_on.items() if sent} == {-7, 0, 7}
    assert sum(sent_on.values()) == len(mailoutbox) == 3
    assert reminded() == {
        (reporter.email, organisation.pk, Kind.REMINDER_BEFORE),
        (reporter.email, organisation.pk, Kind.REMINDER_DUE),
        (reporter.email, organisation.pk, Kind.REMINDER_OVERDUE),
    }
    assert Notification.objects.filter(emailed_at=None).count() == 0


def test_reminders_follow_the_days_in_the_settings(owing, settings):
    settings.REMINDER_DAYS_BEFORE = 3
    settings.REMINDER_DAYS_OVERDUE = 2

    kinds = {offset: run_on(offset) for offset in range(-10, 10)}

    assert {offset for offset, sent in kinds.items() if sent} == {-3, 0, 2}


def test_a_reminder_the_job_missed_goes_a_few_days_late_but_never_after_the_next(owing, settings):
    settings.REMINDER_CATCH_UP_DAYS = 3

    assert run_on(-5) == 1  # the job did not run on days -7 and -6: the reminder still goes
    assert Notification.objects.get().kind == Kind.REMINDER_BEFORE
    Notification.objects.all().delete()
    assert run_on(-4) == 0  # three days late is too late
    assert run_on(1) == 1 and Notification.objects.get().kind == Kind.REMINDER_DUE


def test_the_deadline_day_reminder_is_not_sent_late_once_overdue_has_come(settings):
    settings.REMINDER_DAYS_OVERDUE = 1
    settings.REMINDER_CATCH_UP_DAYS = 3
    period = factories.period("2026-Q2")

    assert reminders.reminder_due(period, day(0)) == Kind.REMINDER_DUE
    assert reminders.reminder_due(period, day(1)) == Kind.REMINDER_OVERDUE
    assert reminders.reminder_due(period, day(4)) is None


def test_a_notice_whose_email_never_went_out_is_emailed_once_after_a_restart(owing, mailoutbox):
    with time_machine.travel(morning(day(0)), tick=False):
        reminders.reminders_create()  # the worker died before it sent the e-mails

        assert run_on(0) == 1
        assert run_on(0) == 0

    assert len(mailoutbox) == 1
    assert Notification.objects.count() == 1


def test_the_database_refuses_a_second_reminder_of_the_same_moment(owing):
    from django.db import IntegrityError

    organisation, reporter = owing
    run_on(0)
    notice = Notification.objects.get()

    with pytest.raises(IntegrityError):
        Notification.objects.create(
            recipient=reporter,
            kind=Kind.REMINDER_DUE,
            organisation=organisation,
            organisation_name=organisation.name,
            programme=notice.programme,
            period=notice.period,
        )


def test_a_report_filed_after_the_notice_gets_no_email(owing, mailoutbox):
    organisation, reporter = owing
    with time_machine.travel(morning(day(0)), tick=False):
        reminders.reminders_create()
        factories.submitted_report(organisation=organisation, author=reporter)

        assert reminders.reminder_emails_send() == 0

    assert mailoutbox == []
    assert Notification.objects.get(kind=Kind.REMINDER_DUE).emailed_at is not None


# --- Opt-out, e-mails and the portal ------------------------------------------------------


def test_a_reporter_who_switched_reminder_emails_off_still_sees_the_notice(
    owing, mailoutbox, client
):
    organisation, reporter = owing
    client.force_login(reporter)
    client.post(reverse("account"), {})  # the box unticked
    reporter.refresh_from_db()
    assert reporter.email_reminders is False

    run_on(0)

    assert mailoutbox == []
    page = client.get(reverse("reports:notifications"))
    assert page.context["unread_notifications"] == 1
    assert organisation.name in page.content.decode()


def test_the_account_page_switches_reminder_emails_back_on(client):
    user = factories.reporter()
    user.email_reminders = False
    user.save(update_fields=["email_reminders"])
    client.force_login(user)

    response = client.post(reverse("account"), {"email_reminders": "on"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email_reminders is True
    assert client.get(reverse("account")).context["form"].initial == {"email_reminders": True}


def test_the_reminder_email_is_vietnamese_then_english(owing, mailoutbox):
    organisation, _reporter = owing

    run_on(7)

    message = mailoutbox[0]
    assert "\n" not in message.subject
    assert message.subject.index("Báo cáo quá hạn") < message.subject.index("Report overdue")
    body = message.body
    assert body.index("chưa được gửi") < body.index("has not been submitted yet")
    assert "7 days late" in body and organisation.name in body
    assert "15/07/2026" in body or "07/15/2026" in body
    assert reverse("account") in body


def test_a_reminder_shows_in_the_notifications_page_beside_report_notices(owing, client):
    organisation, reporter = owing
    elsewhere = organisation_running()
    membership = factories.MembershipFactory(user=reporter, organisation=elsewhere)
    with time_machine.travel(morning(day(-20)), tick=False):
        report = factories.submitted_report(organisation=elsewhere, author=reporter)
        services.report_return(
            reviewer=factories.reviewer(provinces=[report.province]),
            report_id=report.pk,
            comment="Thiếu số liệu",
        )
    run_on(0)
    client.force_login(reporter)

    page = client.get(reverse("reports:notifications"))

    shown = list(page.context["notifications"])
    assert [n.kind for n in shown] == [Kind.REMINDER_DUE, Kind.EVENT]
    assert shown[1].report_visible is True
    assert page.context["unread_notifications"] == 2
    assert organisation.name in page.content.decode()

    membership.delete()  # the report notice hides what it kept; the reminder stays
    reporter = type(reporter).objects.get(pk=reporter.pk)
    client.force_login(reporter)
    page = client.get(reverse("reports:notifications"))

    shown = list(page.context["notifications"])
    assert [n.report_visible for n in shown] == [False, False]
    text = page.content.decode()
    assert report.title not in text and organisation.name in text

    client.post(reverse("reports:notifications_read"))

    assert client.get(reverse("home")).context["unread_notifications"] == 0


def test_the_daily_jobs_are_in_the_beat_schedule():
    from config.celery import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}

    assert {"reports.tasks.send_deadline_reminders", "reports.tasks.send_review_digests"} <= tasks


def test_a_mail_server_failure_leaves_the_reminder_for_the_catch_up_task(
    owing, mailoutbox, monkeypatch
):
    from reports import tasks

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    with time_machine.travel(morning(day(0)), tick=False):
        with monkeypatch.context() as patched:
            patched.setattr(reminders, "send_mass_mail", refuse)
            with pytest.raises(OSError):
                reminders.deadline_reminders_send()
        assert Notification.objects.get().emailed_at is None

        assert tasks.send_pending_emails() == 1
        assert tasks.send_deadline_reminders() == 0

    assert len(mailoutbox) == 1
