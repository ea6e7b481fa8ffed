"""Deadline reminders and the reviewers' weekly digest.

Every day, the reporters of each organisation that owes a report (`reports.expectations`: expected
for the programme and period, not filed) get an in-portal notice, and an e-mail unless they
switched reminder e-mails off, at three moments: REMINDER_DAYS_BEFORE days before the deadline,
on the deadline's day, and REMINDER_DAYS_OVERDUE days after it. A notice exists once per recipient,
organisation, programme, period and moment (a database constraint), and its e-mail goes once (the
notice records when), so running the job twice, or after a restart, sends nothing new.

Every week, each reviewer with reports waiting gets one e-mail listing them, oldest first, with how
long each has waited; a row per reviewer and week records it was sent.

E-mails are bilingual, Vietnamese first, then English, as the report notices' are."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail, send_mass_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from portal.models import Membership, User
from reports.expectations import filed_reports, outstanding_for
from reports.models import ActivityReport, Notification, ReportingPeriod, ReviewDigest
from reports.selectors import review_queue_for

LANGUAGES = ("vi", "en")
Kind = Notification.Kind
# Reminder e-mails are sent and settled this many at a time, each batch in one transaction that
# holds its rows, so two workers running the job at once never send the same e-mail.
EMAIL_BATCH = 200
# A reminder not e-mailed within this time is stale news (the portal still shows it).
EMAIL_WINDOW = datetime.timedelta(days=2)
# A digest lists this many reports at most; the queue page has the rest.
DIGEST_ROWS = 50


# --- When ----------------------------------------------------------------------------------


def moments(period: ReportingPeriod) -> list[tuple[str, datetime.date]]:
    """The three reminder moments of a period, in order: (kind, day)."""
    deadline = period.deadline_date
    return [
        (Kind.REMINDER_BEFORE, deadline - datetime.timedelta(days=settings.REMINDER_DAYS_BEFORE)),
        (Kind.REMINDER_DUE, deadline),
        (Kind.REMINDER_OVERDUE, deadline + datetime.timedelta(days=settings.REMINDER_DAYS_OVERDUE)),
    ]


def reminder_due(period: ReportingPeriod, today: datetime.date) -> str | None:
    """The reminder of the period that goes out today, if any: the latest moment that has come,
    while it is at most REMINDER_CATCH_UP_DAYS - 1 days old and the next one has not come."""
    points = moments(period)
    catch_up = datetime.timedelta(days=settings.REMINDER_CATCH_UP_DAYS)
    for index, (kind, day) in enumerate(points):
        following = points[index + 1][1] if index + 1 < len(points) else None
        if day <= today < day + catch_up and (following is None or today < following):
            return kind
    return None


def periods_to_remind(today: datetime.date) -> list[tuple[ReportingPeriod, str]]:
    """Open periods with a reminder going out today, and which one."""
    first = today - datetime.timedelta(
        days=settings.REMINDER_DAYS_OVERDUE + settings.REMINDER_CATCH_UP_DAYS
    )
    last = today + datetime.timedelta(days=settings.REMINDER_DAYS_BEFORE)
    periods = ReportingPeriod.objects.started(today).filter(
        is_locked=False, deadline_date__range=(first, last)
    )
    due = [(period, reminder_due(period, today)) for period in periods.order_by("deadline_date")]
    return [(period, kind) for period, kind in due if kind is not None]


# --- Notices -------------------------------------------------------------------------------


def reminders_create(*, today: datetime.date | None = None) -> int:
    """Make today's reminders (once each: an existing one is left alone). Returns how many
    notices the run asked for, made now or before."""
    today = today or timezone.localdate()
    asked = 0
    for period, kind in periods_to_remind(today):
        owing = list(
            outstanding_for(period=period).values_list(
                "organisation_id", "programme_id", "organisation__name"
            )
        )
        if not owing:
            continue
        reporters: dict[int, list[int]] = {}
        for organisation_id, user_id in Membership.objects.filter(
            role=Membership.Role.REPORTER,
            organisation_id__in={row[0] for row in owing},
            user__is_active=True,
        ).values_list("organisation_id", "user_id"):
            reporters.setdefault(organisation_id, []).append(user_id)
        notices = [
            Notification(
                recipient_id=user_id,
                kind=kind,
                organisation_id=organisation_id,
                organisation_name=name,
                programme_id=programme_id,
                period=period,
            )
            for organisation_id, programme_id, name in owing
            for user_id in reporters.get(organisation_id, [])
        ]
        Notification.objects.bulk_create(notices, ignore_conflicts=True)
        asked += len(notices)
    return asked


# --- E-mails -------------------------------------------------------------------------------


def _render(template: str, context: dict, language: str) -> str:
    with translation.override(language):
        return render_to_string(template, {**context, "base_url": settings.PORTAL_BASE_URL}).strip()


def _bilingual(prefix: str, context: dict) -> tuple[str, str]:
    # Subjects are one line; a name with a line break would break the header.
    subject = " / ".join(
        _render(f"reports/email/{prefix}_subject.txt", context, lang) for lang in LANGUAGES
    ).replace("\n", " ")
    body = "\n\n----------\n\n".join(
        _render(f"reports/email/{prefix}_body.txt", context, lang) for lang in LANGUAGES
    )
    return subject, body


def _reminder_message(notice: Notification, today: datetime.date) -> tuple[str, str, str, list]:
    deadline = notice.period.deadline_date
    context = {"notification": notice, "deadline": deadline, "days_late": (today - deadline).days}
    subject, body = _bilingual("reminder", context)
    return subject, body, settings.DEFAULT_FROM_EMAIL, [notice.recipient.email]


def _still_owed(notices: list[Notification]) -> set[int]:
    """The notices (ids) whose report is still owed and whose recipient still reports for the
    organisation: two queries for a batch."""
    filed: set[tuple[int, int, int]] = set()
    for period_id in {n.period_id for n in notices}:
        period = next(n.period for n in notices if n.period_id == period_id)
        filed |= {
            (organisation_id, programme_id, period_id)
            for organisation_id, programme_id in filed_reports(period=period)
            .filter(organisation_id__in={n.organisation_id for n in notices})
            .values_list("organisation_id", "programme_id")
        }
    reporting = set(
        Membership.objects.filter(
            role=Membership.Role.REPORTER,
            user_id__in={n.recipient_id for n in notices},
            organisation_id__in={n.organisation_id for n in notices},
        ).values_list("user_id", "organisation_id")
    )
    return {
        n.pk
        for n in notices
        if (n.organisation_id, n.programme_id, n.period_id) not in filed
        and (n.recipient_id, n.organisation_id) in reporting
    }


def reminder_emails_send() -> int:
    """E-mail the recent reminders not e-mailed yet, to recipients who take reminder e-mails,
    about reports still owed; settle the others without one. Returns how many went."""
    sent = 0
    today = timezone.localdate()
    since = timezone.now() - EMAIL_WINDOW
    while True:
        with transaction.atomic():
            batch = list(
                Notification.objects.filter(
                    event__isnull=True, emailed_at=None, created_at__gte=since
                )
                .select_related("recipient", "programme", "period")
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("pk")[:EMAIL_BATCH]
            )
            if not batch:
                return sent
            owed = _still_owed(batch)
            to_send = [
                n
                for n in batch
                if n.pk in owed
                and n.recipient.is_active
                and n.recipient.email
                and n.recipient.email_reminders
            ]
            messages = [_reminder_message(notice, today) for notice in to_send]
            if messages:
                send_mass_mail(messages, fail_silently=False)
            Notification.objects.filter(pk__in=[n.pk for n in batch]).update(
                emailed_at=timezone.now()
            )
            sent += len(messages)


def deadline_reminders_send(*, today: datetime.date | None = None) -> int:
    """The daily job: make today's reminders, then e-mail them. Returns the e-mails sent."""
    reminders_create(today=today)
    return reminder_emails_send()


# --- The reviewers' weekly digest ----------------------------------------------------------


@dataclass
class Waiting:
    report: ActivityReport
    days: int


def digest_rows(*, user: User, today: datetime.date) -> tuple[list[Waiting], int]:
    """The first DIGEST_ROWS reports of the user's review queue, oldest first, with the days
    each has waited since it was submitted, and the length of the whole queue."""
    queue = review_queue_for(user=user)
    total = queue.count()
    rows = [
        Waiting(report, (today - timezone.localdate(report.submitted_at)).days)
        for report in queue[:DIGEST_ROWS]
        if report.submitted_at is not None
    ]
    return rows, total


def _reviewers() -> list[User]:
    return list(
        User.objects.filter(is_active=True, email_reminders=True)
        .exclude(email="")
        .filter(
            Q(is_superuser=True)
            | Q(
                memberships__role__in=[Membership.Role.REVIEWER, Membership.Role.ADMIN],
                memberships__organisation__is_active=True,
            )
        )
        .distinct()
        .order_by("pk")
    )


def review_digests_send(*, today: datetime.date | None = None) -> int:
    """Send this week's digest to every reviewer with reports waiting who has not had it and
    takes reminder e-mails. Returns how many went."""
    today = today or timezone.localdate()
    week = today - datetime.timedelta(days=today.weekday())
    done = set(ReviewDigest.objects.filter(week_date=week).values_list("recipient_id", flat=True))
    sent = 0
    for user in _reviewers():
        if user.pk in done or not user.reviews_reports:
            continue
        rows, total = digest_rows(user=user, today=today)
        if not total:
            continue
        with transaction.atomic():
            # The row first: a second run waits on it and then finds it, so sends nothing; a
            # failed send rolls it back, and the next run tries again.
            _digest, created = ReviewDigest.objects.get_or_create(
                recipient=user, week_date=week, defaults={"report_count": total}
            )
            if not created:
                continue
            subject, body = _bilingual(
                "digest", {"user": user, "rows": rows, "total": total, "more": total - len(rows)}
            )
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        sent += 1
    return sent
