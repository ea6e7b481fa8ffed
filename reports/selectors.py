"""Reads of reports that depend on who is asking. Another organisation's report is a 404."""

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from indicators.models import Indicator, Programme
from portal.models import Membership, Organisation, Province, User
from reports import access
from reports.expectations import outstanding_for
from reports.figures import inputs_from_figures
from reports.models import (
    ActivityReport,
    Attachment,
    Figure,
    Notification,
    ReportEvent,
    ReportImport,
    ReportingPeriod,
    ReportPillar,
    Spending,
)
from reports.periods import previous_number
from reports.presenters import figure_table
from reports.spending import SpendingRow, spending_rows

Status = ActivityReport.Status


def _visibility(user: User) -> Q | None:
    """None means everything; Q() with nothing in it is never returned.

    Worked out from memberships and the organisation tree (one query, once per user object),
    never by joining reports."""
    if user.is_portal_admin:
        return None
    clauses = Q(pk__in=[])
    reporter_orgs = user.organisation_ids(Membership.Role.REPORTER)
    if reporter_orgs:
        clauses |= Q(organisation_id__in=reporter_orgs)
    not_draft = ~Q(status=Status.DRAFT)
    provinces, organisations = user.review_scope()
    if provinces or organisations:
        clauses |= (Q(province_id__in=provinces) | Q(organisation_id__in=organisations)) & not_draft
    descendants = user.subtree_organisation_ids
    if descendants:
        clauses |= Q(organisation_id__in=sorted(descendants)) & not_draft
    if user.is_central_reviewer:
        clauses |= Q(approval_levels=2) & not_draft
    return clauses


def reports_visible_to(*, user: User) -> QuerySet[ActivityReport]:
    """Reporters: their organisation's reports. Reviewers: non-drafts in scope. Staff of a
    parent organisation: their descendants' non-drafts, to read. Central reviewers: every
    two-level non-draft (they accept at level 2 nationwide). Admins: all."""
    clauses = _visibility(user)
    reports = ActivityReport.objects.all()
    return reports if clauses is None else reports.filter(clauses)


def _for_lists(reports: QuerySet[ActivityReport]) -> QuerySet[ActivityReport]:
    return reports.select_related(
        "organisation", "programme", "period", "province"
    ).prefetch_related(Prefetch("pillar_tags", queryset=ReportPillar.objects.order_by("pillar")))


def report_list_for(*, user: User) -> QuerySet[ActivityReport]:
    return _for_lists(reports_visible_to(user=user)).order_by("-updated_at", "-pk")


def review_queue_for(*, user: User) -> QuerySet[ActivityReport]:
    """Reports the user may decide, oldest first: submitted ones in their review scope (level
    1) and, for central reviewers and admins, those approved at level 1 by someone else
    (level 2). Each row's `review_level` says which."""
    if not user.reviews_reports:
        return ActivityReport.objects.none()
    if user.is_portal_admin:
        waiting = Q(status__in=[Status.SUBMITTED, Status.APPROVED_LEVEL_1])
    else:
        provinces, organisations = user.review_scope()
        waiting = Q(status=Status.SUBMITTED) & (
            Q(province_id__in=provinces) | Q(organisation_id__in=organisations)
        )
        if user.is_central_reviewer:
            waiting |= Q(status=Status.APPROVED_LEVEL_1)
    queue = ActivityReport.objects.filter(waiting)
    queue = queue.exclude(created_by=user).exclude(submitted_by=user)
    queue = queue.exclude(status=Status.APPROVED_LEVEL_1, reviewed_by=user)
    return _for_lists(queue).order_by("submitted_at", "pk")


def returned_reports_for(*, user: User) -> QuerySet[ActivityReport]:
    """Returned reports of the organisations the user reports for, with the latest comment."""
    organisations = user.organisation_ids(Membership.Role.REPORTER)
    returned = ActivityReport.objects.filter(
        organisation_id__in=organisations, status=Status.RETURNED
    )
    comments = ReportEvent.objects.filter(
        report=OuterRef("pk"), kind__in=[ReportEvent.Kind.RETURNED, ReportEvent.Kind.REOPENED]
    ).order_by("-created_at", "-pk")
    return (
        _for_lists(returned)
        .annotate(return_comment=Subquery(comments.values("text")[:1]))
        .order_by("-reviewed_at", "-pk")
    )


def latest_return_comment(report: ActivityReport) -> ReportEvent | None:
    return (
        report.events.filter(kind__in=[ReportEvent.Kind.RETURNED, ReportEvent.Kind.REOPENED])
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )


def report_for(*, user: User, pk: int) -> ActivityReport:
    """One report the user may see, with what its pages show; 404 otherwise."""
    reports = reports_visible_to(user=user).select_related(
        "organisation",
        "programme",
        "period",
        "province",
        "created_by",
        "submitted_by",
        "reviewed_by",
    )
    return get_object_or_404(reports, pk=pk)


def report_history(report: ActivityReport) -> QuerySet[ReportEvent]:
    return report.events.select_related("actor").order_by("created_at", "pk")


def previous_report_for(*, user: User, report: ActivityReport) -> ActivityReport | None:
    """The same organisation's report on the same programme for the period before, if visible."""
    year, number = previous_number(report.period.kind, report.period.year, report.period.number)
    return (
        reports_visible_to(user=user)
        .filter(
            organisation_id=report.organisation_id,
            programme_id=report.programme_id,
            period__kind=report.period.kind,
            period__year=year,
            period__number=number,
        )
        .select_related("period")
        .first()
    )


def programmes_for_new_report(*, organisations: Iterable[Any]) -> QuerySet[Programme]:
    """Active programmes that at least one of these organisations runs."""
    return (
        Programme.objects.filter(is_active=True, organisations__in=list(organisations))
        .distinct()
        .order_by("code")
    )


def periods_in_use(
    *, kinds: Iterable[str] | None = None, today: datetime.date | None = None
) -> QuerySet[ReportingPeriod]:
    """Started periods of the kinds programmes report by (those of every active programme by
    default), most recent first: never a future period, nor months when all report by quarter."""
    if kinds is None:
        kinds = {programme.period_kind for programme in Programme.objects.filter(is_active=True)}
    return (
        ReportingPeriod.objects.started(today)
        .filter(kind__in=set(kinds))
        .order_by("-start_date", "kind")
    )


def open_periods(
    *, programmes: Iterable[Programme] | None = None, today: datetime.date | None = None
) -> QuerySet[ReportingPeriod]:
    """Periods a new report can be opened for: started, not locked, of the kinds these
    programmes (every active one by default) report by."""
    kinds = None if programmes is None else {programme.period_kind for programme in programmes}
    return periods_in_use(kinds=kinds, today=today).filter(is_locked=False)


def notifications_for(*, user: User) -> QuerySet[Notification]:
    """The user's notifications (report notices and deadline reminders), newest first. Before
    showing a page of them, mark it with `mark_visible_reports`: the page shows a report notice's
    snapshot only while its reader may still see the report, never the report as it is now."""
    return (
        Notification.objects.filter(recipient=user)
        .select_related("event__actor", "period", "programme")
        .order_by("-created_at", "-pk")
    )


def mark_visible_reports(*, user: User, notifications: Iterable[Notification]) -> None:
    """Set `report_visible` on each notification (a page of them): whether the user may still
    see its report. One query for the page, so the count of all notifications stays cheap."""
    notices = [n for n in notifications if n.event is not None]  # reminders name no report
    report_ids = {notice.event.report_id for notice in notices if notice.event}
    visible = set(
        reports_visible_to(user=user).filter(pk__in=report_ids).values_list("pk", flat=True)
    )
    for notice in notices:
        notice.report_visible = notice.event is not None and notice.event.report_id in visible


def overdue_periods() -> QuerySet[ReportingPeriod]:
    """Periods whose deadline has passed, of the kinds active programmes report by, latest
    deadline first: those a report can be overdue for."""
    kinds = {programme.period_kind for programme in Programme.objects.filter(is_active=True)}
    return ReportingPeriod.objects.filter(
        deadline_date__lt=timezone.localdate(), kind__in=kinds
    ).order_by("-deadline_date", "kind")


def overdue_for(
    *, user: User, period: ReportingPeriod, province: Province | None = None
) -> QuerySet:
    """Organisations (with the programme) that owe the period's report past its deadline, in
    the user's review scope (admins: everywhere), by province (national bodies last), then
    organisation and programme. Each row is an organisation-programme link, annotated
    `has_draft`. PermissionDenied for those who review nothing."""
    access.ensure_can_see_overdue(user)
    owing = outstanding_for(period=period).select_related("organisation__province", "programme")
    if not user.is_portal_admin:
        provinces, organisations = user.review_scope()
        owing = owing.filter(
            Q(organisation__province_id__in=provinces) | Q(organisation_id__in=organisations)
        )
    if province is not None:
        owing = owing.filter(organisation__province=province)
    return owing.order_by(
        F("organisation__province__code").asc(nulls_last=True),
        "organisation__name",
        "programme__code",
        "pk",
    )


def overdue_counts(owing: QuerySet) -> list[tuple[Province | None, int]]:
    """How many reports each province (None: national bodies) owes, for the rows of
    `overdue_for`: two queries, whatever the number of rows."""
    counts = list(
        owing.order_by()
        .values_list("organisation__province_id")
        .annotate(owed=Count("pk"))
        .values_list("organisation__province_id", "owed")
    )
    provinces = Province.objects.in_bulk([pk for pk, _owed in counts if pk is not None])
    rows = [(provinces.get(pk) if pk else None, owed) for pk, owed in counts]
    return sorted(rows, key=lambda row: (row[0] is None, row[0].code if row[0] else ""))


def report_visible_to(*, user: User, report_id: int) -> bool:
    return reports_visible_to(user=user).filter(pk=report_id).exists()


def unread_notification_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at=None).count()


def home_counts_for(*, user: User) -> dict:
    """Counts for the home page: the user's organisations' reports by status, and their queue."""
    from django.db.models import Count

    counts = {"by_status": {}, "queue": 0}
    organisations = user.organisation_ids(Membership.Role.REPORTER)
    if organisations:
        rows = (
            ActivityReport.objects.filter(organisation_id__in=organisations)
            .values("status")
            .annotate(n=Count("pk"))
            .order_by()
        )
        counts["by_status"] = {row["status"]: row["n"] for row in rows}
    if user.reviews_reports:
        counts["queue"] = review_queue_for(user=user).count()
    return counts


def report_version(
    *, user: User, report: ActivityReport, event_id: str | None
) -> tuple[ReportEvent, Any, list[Any], list[Any]] | None:
    """(event, report as it was, its figures, its spending lines) at a submission or decision;
    admins only.

    Read from django-simple-history: the report row, its figure and spending rows as of the
    event's time.
    None when no version is asked for; 404 for anyone but an admin or an unknown event.
    """
    if not event_id:
        return None
    if not user.is_portal_admin or not re.fullmatch(r"[0-9]{1,18}", str(event_id)):
        raise Http404
    event = get_object_or_404(report.events, pk=int(event_id), kind__in=ReportEvent.VERSION_KINDS)
    snapshot = (
        ActivityReport.history.filter(id=report.pk, history_date__lte=event.created_at)
        .order_by("-history_date", "-history_id")
        .first()
    )
    if snapshot is None:  # made before history was kept (demo data): nothing to show
        raise Http404
    figures = list(Figure.history.as_of(event.created_at).filter(report_id=report.pk))
    lines = list(Spending.history.as_of(event.created_at).filter(report_id=report.pk))
    return event, snapshot, figures, lines


@dataclass
class ReportPage:
    """Everything the report page shows, for one reader."""

    report: ActivityReport
    pillars: list[str]
    figure_rows: list[dict]
    spending: list[SpendingRow]
    spending_total: int
    previous: ActivityReport | None
    history: QuerySet[ReportEvent]
    attachments: QuerySet[Attachment]
    can_edit: bool
    can_withdraw: bool
    can_review: bool
    can_reopen: bool
    own_report_in_queue: bool
    approved_level_1_by_reader: bool
    version_event: ReportEvent | None = None
    snapshot: Any = None

    def as_context(self) -> dict[str, Any]:
        """The page's template context; the version keys only when a version is shown."""
        context = dict(vars(self))
        if self.version_event is None:
            del context["version_event"], context["snapshot"]
        return context


def report_page_for(*, user: User, pk: int, version: str | None = None) -> ReportPage:
    """The report page: figures beside the previous period's, history, attachments, and what
    the reader may do; as it was at an event when an admin asks for that `version`."""
    report = report_for(user=user, pk=pk)
    indicators = list(
        Indicator.objects.filter(programmes=report.programme).order_by("pillar", "code")
    )
    previous = previous_report_for(user=user, report=report)
    figures: Iterable[Figure] = report.figures.all()
    lines: Iterable[Spending] = report.spending.all()
    version_event = snapshot = None
    as_it_was = report_version(user=user, report=report, event_id=version)
    if as_it_was is not None:
        version_event, snapshot, figures, lines = as_it_was
    spending = spending_rows(lines)
    return ReportPage(
        report=report,
        pillars=[tag.get_pillar_display() for tag in report.pillar_tags.order_by("pillar")],
        figure_rows=figure_table(
            indicators,
            inputs_from_figures(figures),
            inputs_from_figures(previous.figures.all()) if previous else None,
        ),
        spending=spending,
        spending_total=sum(row.amount for row in spending),
        previous=previous,
        history=report_history(report),
        attachments=report.attachments.order_by("uploaded_at"),
        can_edit=access.can_edit(user, report),
        can_withdraw=access.can_withdraw(user, report),
        can_review=access.can_review(user, report),
        can_reopen=access.can_reopen(user, report),
        own_report_in_queue=access.can_act_at_level(user, report)
        and access.is_own_report(user, report),
        approved_level_1_by_reader=access.approved_level_1(user, report),
        version_event=version_event,
        snapshot=snapshot,
    )


def import_organisations_for(*, user: User) -> QuerySet[Organisation]:
    """Active organisations the user may import reports for (`access.import_organisation_ids`)."""
    organisations = Organisation.objects.filter(is_active=True).select_related("province")
    scope = access.import_organisation_ids(user)
    if scope is not None:
        organisations = organisations.filter(pk__in=sorted(scope))
    return organisations.order_by("name")


def report_imports_for(*, user: User) -> QuerySet[ReportImport]:
    """The user's own uploads, newest first."""
    return ReportImport.objects.filter(uploaded_by=user).order_by("-created_at", "-pk")


def report_import_for(*, user: User, pk: int) -> ReportImport:
    """One of the user's uploads; anyone else's is a 404."""
    return get_object_or_404(report_imports_for(user=user).select_related("programme"), pk=pk)
