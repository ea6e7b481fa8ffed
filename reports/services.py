"""Every write to activity reports. Each function takes the acting user, checks permission and
state under a row lock, records a ReportEvent in the same transaction, and defers side effects
until the transaction commits."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, cast

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from indicators.disaggregation import TOTAL, breakdown_dimensions
from indicators.models import Indicator, Pillar, Programme
from portal import audit
from portal.models import Membership, Organisation, Province, User
from portal.permissions import ensure_admin
from portal.queue import enqueue_on_commit
from reports import access, imports
from reports.disaggregation import Conformed, conform_figures
from reports.figures import (
    FigureInput,
    check_complete,
    check_values,
    figures_from_inputs,
    inputs_from_figures,
)
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
    StaleSummary,
)
from reports.spending import SpendingInput, check_spending, spending_from_inputs

Status = ActivityReport.Status


class WorkflowError(Exception):
    """A transition that the report's state does not allow. The message is for the user."""


class ConflictError(WorkflowError):
    """Someone else changed the report first."""


class DuplicateReportError(WorkflowError):
    def __init__(self, message: str, existing: ActivityReport | None = None):
        super().__init__(message)
        self.existing = existing


@dataclass
class ReportContent:
    """What a reporter can edit. Status, organisation and reviewer are never part of it; the
    province only for a national organisation's report (see `_report_province_id`)."""

    title: str
    narrative: str = ""
    commune: str = ""
    province_id: int | None = None
    pillars: list[str] = field(default_factory=list)
    figures: dict[int, FigureInput] = field(default_factory=dict)
    # The report's spending lines, all of them; None leaves the saved lines as they are.
    spending: list[SpendingInput] | None = None


def _locked(report_id: int) -> ActivityReport:
    return (
        ActivityReport.objects.select_for_update(of=("self",))
        .select_related("period", "programme", "organisation")
        .get(pk=report_id)
    )


def _check_version(report: ActivityReport, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != report.version:
        raise ConflictError(
            _("Someone changed this report after you opened it. Reload it and try again.")
        )


def _transition(
    report: ActivityReport, *, actor: User, kind: str, to: str, text: str = "", **stamps: Any
) -> ReportEvent:
    from_status = report.status
    report.status = to
    report.version += 1
    report.updated_at = timezone.now()
    for name, value in stamps.items():
        setattr(report, name, value)
    report.save(update_fields=["status", "version", "updated_at", *stamps])
    event = _record_event(report, actor=actor, kind=kind, from_status=from_status, text=text)
    _notify(event)
    return event


def _record_event(
    report: ActivityReport, *, actor: User, kind: str, from_status: str, text: str = ""
) -> ReportEvent:
    """The report's own history (with the comment) and the audit log (codes only, no text)."""
    event = ReportEvent.record(report, actor=actor, kind=kind, from_status=from_status, text=text)
    audit.record(
        audit.Action.REPORT_TRANSITION,
        user=actor,
        obj=report,
        organisation=report.organisation,
        detail=f"{kind}:{from_status or '-'}->{report.status}",
    )
    return event


def _check_period_open(period: ReportingPeriod, *, correction: bool = False) -> None:
    """A new report or submission needs a started, unlocked period; a correction an admin asked
    for (by reopening an approved report) may go ahead in a locked one."""
    if not period.has_started():
        raise WorkflowError(_("The period %(period)s has not started yet.") % {"period": period})
    if period.is_locked and not correction:
        raise WorkflowError(
            _("The period %(period)s is locked: ask the national team to unlock it.")
            % {"period": period}
        )


# --- Notifications -----------------------------------------------------------------------------


def _level_one_approver_id(report: ActivityReport) -> int | None:
    """Who approved the report at level 1 in its current round of review, if anyone."""
    last = (
        report.events.filter(
            kind__in=[ReportEvent.Kind.SUBMITTED, ReportEvent.Kind.APPROVED_LEVEL_1]
        )
        .order_by("-created_at", "-pk")
        .values_list("kind", "actor_id")
        .first()
    )
    return last[1] if last and last[0] == ReportEvent.Kind.APPROVED_LEVEL_1 else None


def _notification_recipients(event: ReportEvent) -> set[int]:
    """Reviewers when something enters their queue (level 1: those whose scope covers it; level
    2: the central reviewers); reporters when their report is decided at any level, and the
    level-1 approver when the central union decides what they approved."""
    report = event.report
    reviewers = Membership.objects.filter(role=Membership.Role.REVIEWER)
    recipients: set[int] = set()
    if event.kind == ReportEvent.Kind.SUBMITTED:
        in_scope = Q(scope_organisations=report.organisation_id)
        if report.province_id is not None:  # a national report is in no province's scope
            in_scope |= Q(scope_provinces=report.province_id)
        recipients = set(reviewers.filter(in_scope).values_list("user_id", flat=True))
    if event.kind == ReportEvent.Kind.APPROVED_LEVEL_1:
        central = reviewers.filter(organisation__kind=Organisation.Kind.VWU_CENTRAL)
        recipients = set(central.values_list("user_id", flat=True))
    if event.kind in {
        ReportEvent.Kind.RETURNED,
        ReportEvent.Kind.APPROVED_LEVEL_1,
        ReportEvent.Kind.ACCEPTED,
        ReportEvent.Kind.APPROVED,
        ReportEvent.Kind.REOPENED,
    }:
        reporters = Membership.objects.filter(
            role=Membership.Role.REPORTER, organisation_id=report.organisation_id
        )
        recipients |= set(reporters.values_list("user_id", flat=True))
    if event.kind == ReportEvent.Kind.ACCEPTED or (
        event.kind == ReportEvent.Kind.RETURNED and event.from_status == Status.APPROVED_LEVEL_1
    ):
        approver = _level_one_approver_id(report)
        if approver is not None:
            recipients.add(approver)
    return recipients - {event.actor_id}


def _notify(event: ReportEvent) -> None:
    recipients = _notification_recipients(event)
    if not recipients:
        return
    active = User.objects.filter(pk__in=recipients, is_active=True).values_list("pk", flat=True)
    Notification.objects.bulk_create(
        [Notification.about(event, recipient_id=pk) for pk in active], ignore_conflicts=True
    )
    enqueue_on_commit("reports.tasks.send_event_emails", event.pk)


def _approved_figures_changed(report: ActivityReport) -> None:
    """Approved figures of the report's (province, period) changed: mark them stale in this
    transaction, and ask the summaries to recompute them once it commits."""
    mark = StaleSummary(province_id=report.province_id, period_id=report.period_id)
    if report.province_id is None:
        # National reports: one mark per period (a partial unique index, which an upsert cannot
        # name); a mark already there stands for this change too.
        StaleSummary.objects.bulk_create([mark], ignore_conflicts=True)
    else:
        StaleSummary.objects.bulk_create(
            [mark],
            update_conflicts=True,
            unique_fields=["province", "period"],
            update_fields=["marked_at"],
        )
    enqueue_on_commit("summaries.tasks.recompute_summary", report.province_id, report.period_id)


# --- Reports -----------------------------------------------------------------------------------


def _report_province_id(
    organisation: Organisation,
    programme: Programme,
    chosen_id: int | None,
    current_id: int | None = None,
) -> int | None:
    """The province a report of `organisation` is filed under (None: a national report).

    A national programme's reports have no province: their figures are the nation's. A provincial
    organisation's reports are filed under its own province, which decides who reviews them and
    which summary they count in: another province is refused. Only a national organisation (no
    province of its own) chooses; without a choice its report keeps `current_id`.
    """
    if programme.is_national:
        if chosen_id is not None:
            raise ValidationError(
                {
                    "province": _(
                        "%(programme)s reports national figures: its reports have no province."
                    )
                    % {"programme": programme.name}
                }
            )
        return None
    own_id = organisation.province_id
    if own_id is not None:
        if chosen_id is not None and chosen_id != own_id:
            raise ValidationError(
                {
                    "province": _(
                        "Reports of %(organisation)s are filed under its province, %(province)s. "
                        "Only national organisations choose the province."
                    )
                    % {"organisation": organisation.name, "province": organisation.province}
                }
            )
        return own_id
    chosen_id = chosen_id or current_id
    if chosen_id is None:
        raise ValidationError(
            {"province": _("Choose the province where the activities took place.")}
        )
    return chosen_id


def report_create(
    *,
    actor: User,
    organisation: Organisation,
    programme: Programme,
    period: ReportingPeriod,
    title: str = "",
    province: Province | None = None,
) -> ActivityReport:
    """Open a draft for an organisation, programme and period; one such report may exist."""
    access.ensure_reporter_for(actor, organisation.pk)
    return _open_report(
        actor=actor,
        organisation=organisation,
        programme=programme,
        period=period,
        title=title,
        province=province,
    )


def _open_report(
    *,
    actor: User,
    organisation: Organisation,
    programme: Programme,
    period: ReportingPeriod,
    title: str = "",
    province: Province | None = None,
) -> ActivityReport:
    """`report_create` once the actor may file for the organisation (a reporter of it, or an
    importer whose scope holds it: `access.ensure_may_import_for`)."""
    if not programme.is_active:
        raise WorkflowError(_("This programme no longer takes reports."))
    if not programme.accepts(organisation):
        if programme.is_national and organisation.province_id is not None:
            raise WorkflowError(
                _(
                    "%(programme)s is reported by national bodies (ministries, national agencies, "
                    "the central Women's Union), not by %(organisation)s."
                )
                % {"programme": programme.name, "organisation": organisation.name}
            )
        raise WorkflowError(
            _("Organisations of the kind “%(kind)s” do not report %(programme)s.")
            % {"kind": organisation.get_kind_display(), "programme": programme.name}
        )
    wanted_kind = programme.period_kind
    if period.kind != wanted_kind:
        raise WorkflowError(
            _("%(programme)s reports by %(kind)s.")
            % {"programme": programme.name, "kind": ReportingPeriod.Kind(wanted_kind).label.lower()}
        )
    _check_period_open(period)
    province_id = _report_province_id(organisation, programme, province.pk if province else None)
    try:
        with transaction.atomic():
            report = ActivityReport.objects.create(
                organisation=organisation,
                programme=programme,
                period=period,
                province_id=province_id,
                title=title or f"{programme.name} · {period.label}",
                created_by=actor,
            )
    except IntegrityError:
        existing = ActivityReport.objects.filter(
            organisation=organisation, programme=programme, period=period
        ).first()
        raise DuplicateReportError(
            _("%(organisation)s already has a %(programme)s report for %(period)s.")
            % {
                "organisation": organisation.name,
                "programme": programme.name,
                "period": period.label,
            },
            existing,
        ) from None
    ReportPillar.objects.create(report=report, pillar=programme.default_pillar)
    _record_event(report, actor=actor, kind=ReportEvent.Kind.CREATED, from_status="")
    return report


def _validate_content(report: ActivityReport, content: ReportContent) -> dict:
    errors: dict[str, list[str]] = {}
    if not content.title.strip():
        errors["title"] = [_("Give the report a title.")]
    unknown = set(content.pillars) - set(Pillar.values)
    if unknown:
        errors["pillars"] = [_("Choose pillars from the list.")]
    errors.update(check_values(report.programme.indicators.all(), content.figures))
    if content.spending is not None:
        errors.update(check_spending(report, content.spending, pillars=content.pillars))
    return errors


def report_content_errors(
    *, report: ActivityReport, content: ReportContent, submit: bool = False
) -> dict[str, list[str]]:
    """Every rule the content breaks, those of a save and, when submitting, those of a submission,
    all at once (report_update stops at the first kind); nothing is saved."""
    errors = _validate_content(report, content)
    if submit:
        for name, messages in check_complete(
            report.programme.indicators.all(), content.figures
        ).items():
            errors.setdefault(name, messages)
    return errors


@transaction.atomic
def report_update(
    *,
    actor: User,
    report_id: int,
    content: ReportContent,
    expected_version: int | None = None,
    submit: bool = False,
) -> ActivityReport:
    """Save a draft's content (and submit it, if asked). On any error nothing is saved."""
    report = _locked(report_id)
    access.ensure_can_edit(actor, report)
    _check_version(report, expected_version)
    return _save_content(report, actor=actor, content=content, submit=submit)


def _save_content(
    report: ActivityReport, *, actor: User, content: ReportContent, submit: bool
) -> ActivityReport:
    """`report_update` on a locked report the actor may change."""
    if not report.is_editable:
        raise WorkflowError(_("Only a draft or a returned report can be changed."))
    errors = _validate_content(report, content)
    try:
        province_id = _report_province_id(
            report.organisation, report.programme, content.province_id, report.province_id
        )
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)

    report.title = content.title.strip()
    report.narrative = content.narrative.strip()
    report.commune = "" if report.programme.is_national else content.commune.strip()
    report.province_id = province_id
    report.version += 1
    report.updated_at = timezone.now()
    report.save(
        update_fields=["title", "narrative", "commune", "province", "version", "updated_at"]
    )
    pillars = {report.programme.default_pillar, *content.pillars}
    ReportPillar.objects.filter(report=report).exclude(pillar__in=pillars).delete()
    existing = set(ReportPillar.objects.filter(report=report).values_list("pillar", flat=True))
    ReportPillar.objects.bulk_create(
        [ReportPillar(report=report, pillar=p) for p in sorted(pillars - existing)]
    )
    indicators = list(report.programme.indicators.all())
    Figure.objects.filter(report=report).delete()
    bulk_create_with_history(
        figures_from_inputs(report, indicators, content.figures), Figure, default_user=actor
    )
    if content.spending is not None:
        Spending.objects.filter(report=report).delete()
        bulk_create_with_history(
            spending_from_inputs(report, content.spending), Spending, default_user=actor
        )
    _record_event(report, actor=actor, kind=ReportEvent.Kind.EDITED, from_status=report.status)
    if submit:
        _submit(report, actor=actor, inputs=content.figures, indicators=indicators)
    return report


def _submit(
    report: ActivityReport,
    *,
    actor: User,
    inputs: dict[int, FigureInput],
    indicators: list[Indicator],
) -> None:
    reopened = report.events.filter(kind=ReportEvent.Kind.REOPENED).exists()
    # The period is read under a row lock held until the submission commits: an admin locking
    # the period meanwhile waits for it (the submission lands before the lock), and a lock
    # already committed is seen here (the submission is refused), never read stale.
    report.period = ReportingPeriod.objects.select_for_update().get(pk=report.period_id)
    _check_period_open(report.period, correction=reopened)
    errors = check_complete(indicators, inputs)
    if errors:
        raise ValidationError(errors)
    _transition(
        report,
        actor=actor,
        kind=ReportEvent.Kind.SUBMITTED,
        to=Status.SUBMITTED,
        submitted_by=actor,
        submitted_at=timezone.now(),
        # Fixed at submission: a programme changed later does not move reports under review.
        approval_levels=report.programme.approval_levels,
    )


@transaction.atomic
def report_submit(
    *, actor: User, report_id: int, expected_version: int | None = None
) -> ActivityReport:
    """Send a complete draft or corrected report to the reviewers."""
    report = _locked(report_id)
    access.ensure_can_edit(actor, report)
    _check_version(report, expected_version)
    if report.status == Status.SUBMITTED:
        raise ConflictError(_("This report has already been submitted."))
    if not report.is_editable:
        raise WorkflowError(_("Only a draft or a returned report can be submitted."))
    indicators = list(report.programme.indicators.all())
    _submit(
        report, actor=actor, inputs=inputs_from_figures(report.figures.all()), indicators=indicators
    )
    return report


@transaction.atomic
def report_withdraw(
    *, actor: User, report_id: int, expected_version: int | None = None
) -> ActivityReport:
    """Take a submitted report back to draft before anyone has reviewed it."""
    report = _locked(report_id)
    access.ensure_can_edit(actor, report)
    _check_version(report, expected_version)
    if report.status != Status.SUBMITTED:
        raise WorkflowError(_("Only a submitted report that nobody has reviewed can be withdrawn."))
    _transition(report, actor=actor, kind=ReportEvent.Kind.WITHDRAWN, to=Status.DRAFT)
    return report


def _decided_message(report: ActivityReport) -> str:
    """Who decided the report, and when, for the reviewer who came second."""
    last = report.events.select_related("actor").order_by("-created_at", "-pk").first()
    if last is None:
        return _("This report is no longer waiting for review.")
    facts = {
        "name": str(last.actor),
        "time": formats.date_format(timezone.localtime(last.created_at), "SHORT_DATETIME_FORMAT"),
    }
    if last.kind == ReportEvent.Kind.APPROVED_LEVEL_1:
        return _("%(name)s approved this report at level 1 first, at %(time)s.") % facts
    if last.kind == ReportEvent.Kind.ACCEPTED:
        return _("%(name)s accepted this report first, at %(time)s.") % facts
    if report.status == Status.APPROVED:
        return _("%(name)s approved this report first, at %(time)s.") % facts
    if report.status == Status.RETURNED:
        return _("%(name)s returned this report first, at %(time)s.") % facts
    return (
        _("This report is no longer waiting for review: %(name)s changed it at %(time)s.") % facts
    )


def _for_decision(
    report_id: int, *, reviewer: User, expected_version: int | None
) -> ActivityReport:
    """The report, locked, once the reviewer may decide it at the level it waits at and nobody
    has decided it meanwhile (a reviewer who came second is told who did, and when)."""
    report = _locked(report_id)
    access.ensure_may_decide(reviewer, report)
    if report.review_level is None or (
        expected_version is not None and expected_version != report.version
    ):
        raise ConflictError(_decided_message(report))
    access.ensure_can_review(reviewer, report)
    return report


@transaction.atomic
def report_approve(
    *, reviewer: User, report_id: int, expected_version: int | None = None, comment: str = ""
) -> ActivityReport:
    """Approve the report at the level it waits at: level 1 of a two-level report sends it to
    the central union; the last level makes it fully approved, and only then do its figures
    count (their summary cells are marked stale and recomputed after commit)."""
    report = _for_decision(report_id, reviewer=reviewer, expected_version=expected_version)
    if report.review_level == 1 and report.approval_levels == 2:
        kind, to = ReportEvent.Kind.APPROVED_LEVEL_1, Status.APPROVED_LEVEL_1
    elif report.review_level == 2:
        kind, to = ReportEvent.Kind.ACCEPTED, Status.APPROVED
    else:
        kind, to = ReportEvent.Kind.APPROVED, Status.APPROVED
    _transition(
        report,
        actor=reviewer,
        kind=kind,
        to=to,
        text=comment.strip(),
        reviewed_by=reviewer,
        reviewed_at=timezone.now(),
    )
    if to == Status.APPROVED:
        _approved_figures_changed(report)
    return report


@transaction.atomic
def report_return(
    *, reviewer: User, report_id: int, comment: str, expected_version: int | None = None
) -> ActivityReport:
    """Send the report back to its reporters with the comment, at either approval level."""
    if not comment.strip():
        raise ValidationError({"comment": _("Say what the reporter should correct.")})
    report = _for_decision(report_id, reviewer=reviewer, expected_version=expected_version)
    _transition(
        report,
        actor=reviewer,
        kind=ReportEvent.Kind.RETURNED,
        to=Status.RETURNED,
        text=comment.strip(),
        reviewed_by=reviewer,
        reviewed_at=timezone.now(),
    )
    return report


@transaction.atomic
def report_reopen(
    *, actor: User, report_id: int, reason: str, expected_version: int | None = None
) -> ActivityReport:
    """Send an approved report back for correction (admins only)."""
    ensure_admin(actor)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for reopening.")})
    report = _locked(report_id)
    _check_version(report, expected_version)
    if report.status != Status.APPROVED:
        raise WorkflowError(_("Only an approved report can be reopened."))
    _transition(
        report, actor=actor, kind=ReportEvent.Kind.REOPENED, to=Status.RETURNED, text=reason.strip()
    )
    _approved_figures_changed(report)
    return report


# --- Periods -----------------------------------------------------------------------------------


@transaction.atomic
def period_set_locked(*, actor: User, period_id: int, locked: bool) -> ReportingPeriod:
    ensure_admin(actor)
    period = ReportingPeriod.objects.select_for_update().get(pk=period_id)
    period.is_locked = locked
    period.locked_at = timezone.now() if locked else None
    period.locked_by = actor if locked else None
    period.save(update_fields=["is_locked", "locked_at", "locked_by"])
    return period


# --- Notifications -----------------------------------------------------------------------------


def notifications_mark_read(*, actor: User, notification_ids: list[int] | None = None) -> int:
    unread = Notification.objects.filter(recipient=actor, read_at=None)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())


# --- Attachments -------------------------------------------------------------------------------


@transaction.atomic
def attachment_add(*, actor: User, report_id: int, upload: UploadedFile) -> Attachment:
    from reports.uploads import check_upload

    report = _locked(report_id)
    access.ensure_can_edit(actor, report)
    if not report.is_editable:
        raise WorkflowError(_("Evidence can be added only to a draft or a returned report."))
    checked = check_upload(upload)  # the bytes to keep: images are encoded again
    token = secrets.token_hex(16)
    # An uploaded file has a name and a size (the stubs allow None for any File).
    attachment = Attachment(
        report=report,
        token=token,
        original_name=PurePath(cast(str, upload.name)).name[:200],
        extension=checked.kind.extension,
        content_type=checked.kind.mime,
        size=len(checked.content),
        uploaded_by=actor,
    )
    attachment.file.save(
        f"{token}{checked.kind.extension}", ContentFile(checked.content), save=False
    )
    attachment.save()
    return attachment


@transaction.atomic
def attachment_delete(*, actor: User, attachment_id: int) -> None:
    attachment = Attachment.objects.select_related("report").get(pk=attachment_id)
    report = _locked(attachment.report_id)
    access.ensure_can_edit(actor, report)
    if not report.is_editable:
        raise WorkflowError(_("Evidence can be removed only from a draft or a returned report."))
    stored = attachment.file.name
    storage = attachment.file.storage
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(stored))


# --- Disaggregation declarations ---------------------------------------------------------------


def figures_in_dropped_cells(
    *, indicator: Indicator, declaration: dict[str, list[str]]
) -> dict[tuple[str, str], int]:
    """(dimension, category) -> how many report figures hold a number in a cell this declaration
    would no longer have: a category left out, or a dimension no longer broken down."""
    asked = breakdown_dimensions(declaration)
    counts: dict[tuple[str, str], int] = {}
    rows = (
        Figure.objects.filter(indicator=indicator)
        .exclude(dimension=TOTAL)
        .values_list("dimension", "category")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for dimension, category, n in rows:
        if dimension not in asked or category not in declaration[dimension]:
            counts[(dimension, category)] = n
    return counts


@transaction.atomic
def indicator_figures_conform(*, actor: User, indicator_id: int) -> Conformed:
    """Bring an indicator's stored figures in line with its (changed) declaration: a breakdown
    added gets a "not recorded" cell holding each existing figure, so that every figure still adds
    up. Dropping a category that holds figures is refused before the declaration is saved
    (`figures_in_dropped_cells`); were any left, they would move to "not recorded" (in the
    figures' history). Approved figures changed are recomputed after commit."""
    ensure_admin(actor)
    indicator = Indicator.objects.select_for_update().get(pk=indicator_id)
    result = conform_figures(
        [indicator],
        figure_model=Figure,
        history_model=Figure.history.model,
        stale_model=StaleSummary,
        user_id=actor.pk,
    )
    for province_id, period_id in sorted(result.stale, key=lambda pair: (pair[0] or 0, pair[1])):
        enqueue_on_commit("summaries.tasks.recompute_summary", province_id, period_id)
    if result.moved or result.added or result.dropped:
        audit.record(
            audit.Action.ADMIN_CHANGE,
            user=actor,
            obj=indicator,
            detail=f"figures conformed: moved={result.moved} added={result.added}"
            f" dropped={result.dropped}",
        )
    return result


# --- Spreadsheet imports -----------------------------------------------------------------------


class ImportFileError(WorkflowError):
    """An uploaded spreadsheet that cannot be imported at all; the message is for the user."""


def _import_progress_key(import_id: int) -> str:
    return f"reports:import-progress:{import_id}"


def report_import_progress(job: ReportImport) -> int:
    """How far the running check or import is: written to the cache, since the rows it writes
    stay invisible to other connections until its transaction commits."""
    if not job.is_busy:
        return job.progress
    return max(job.progress, int(cache.get(_import_progress_key(job.pk)) or 0))


def _progress_writer(job: ReportImport) -> Callable[[int], None]:
    last = [0]

    def step(percent: int) -> None:
        if percent >= last[0] + imports.PROGRESS_STEP or percent == 100:
            last[0] = percent
            cache.set(_import_progress_key(job.pk), percent, timeout=3600)

    return step


def report_import_upload(*, actor: User, upload: UploadedFile, submit: bool) -> ReportImport:
    """Keep an uploaded spreadsheet for a dry run, once the guard has passed it (nothing is read
    from a file the guard refuses), and queue the dry run."""
    if access.import_organisation_ids(actor) == set():
        raise PermissionDenied(_("You do not report for any organisation."))
    data = upload.read(imports.MAX_UPLOAD_BYTES + 1)
    try:
        imports.check_workbook_bytes(data)
    except imports.ImportFileError as error:
        raise ImportFileError(str(error)) from None
    token = secrets.token_hex(16)
    with transaction.atomic():
        job = ReportImport(
            token=token,
            original_name=PurePath(upload.name or "import.xlsx").name[:200],
            uploaded_by=actor,
            language=translation.get_language() or "vi",
            submit=submit,
        )
        job.file.save(f"{token}.xlsx", ContentFile(data), save=False)
        job.save()
        enqueue_on_commit("reports.tasks.check_report_import", job.pk)
    return job


def _file_errors(message: str) -> list[dict]:
    return [{"sheet": "", "row": None, "column": "", "label": "", "message": message}]


def _read_import(job: ReportImport) -> "imports.Sheet":
    with job.file.open("rb") as handle:
        return imports.read_workbook(handle.read())


def _import_broke(import_id: int) -> None:
    """An unexpected failure (the database went away, a bug): the import is marked failed, with
    nothing saved (its transaction was rolled back), and the error goes on to Celery's log."""
    job = ReportImport.objects.get(pk=import_id)
    with translation.override(job.language):
        message = _(
            "Something went wrong while reading the file, and nothing was saved. Upload it "
            "again; if it happens again, tell the national team."
        )
    ReportImport.objects.filter(pk=import_id).update(
        status=ReportImport.Status.FAILED, errors=_file_errors(message), finished_at=timezone.now()
    )


def report_import_check(*, import_id: int) -> ReportImport:
    """The dry run: every row goes through the report services inside a transaction that is
    then rolled back, so the plan and the errors are exactly what the import would meet.
    Safe to repeat (a checked import is left as it is)."""
    try:
        return _report_import_check(import_id)
    except Exception:
        _import_broke(import_id)
        raise


def _report_import_check(import_id: int) -> ReportImport:
    job = ReportImport.objects.select_related("uploaded_by").get(pk=import_id)
    if job.status != ReportImport.Status.CHECKING:
        return job
    with translation.override(job.language):
        try:
            sheet = _read_import(job)
        except imports.ImportFileError as error:
            job.errors, job.plan = _file_errors(str(error)), []
        else:
            with transaction.atomic():
                outcome = imports.process(
                    sheet, actor=job.uploaded_by, submit=job.submit, step=_progress_writer(job)
                )
                transaction.set_rollback(True)
            job.programme = sheet.programme
            job.plan, job.errors = outcome.plan, outcome.errors
            job.created_count, job.updated_count = outcome.created, outcome.updated
            if outcome.error_count > len(outcome.errors):
                job.errors.append(
                    _file_errors(
                        _("… and %(count)s more errors.")
                        % {"count": outcome.error_count - len(outcome.errors)}
                    )[0]
                )
    job.status, job.progress, job.checked_at = ReportImport.Status.CHECKED, 100, timezone.now()
    job.save()
    return job


@transaction.atomic
def report_import_confirm(*, actor: User, import_id: int) -> ReportImport:
    """The uploader confirms a dry run without errors: the import is queued."""
    job = ReportImport.objects.select_for_update().get(pk=import_id)
    if job.uploaded_by_id != actor.pk:
        raise PermissionDenied(_("Only the person who uploaded the file can import it."))
    if job.status != ReportImport.Status.CHECKED:
        raise WorkflowError(_("This file has already been imported, or is being imported."))
    if not job.can_confirm:
        raise WorkflowError(_("Correct the errors and upload the file again: nothing to import."))
    job.status, job.progress = ReportImport.Status.IMPORTING, 0
    job.save(update_fields=["status", "progress"])
    enqueue_on_commit("reports.tasks.run_report_import", job.pk)
    return job


def report_import_run(*, import_id: int) -> ReportImport:
    """Import a confirmed file all or nothing, through the same services as the dry run, with
    one audit entry. Anything that changed since the dry run and now fails (a period locked, a
    report submitted meanwhile) fails the whole import, with its errors. Safe to repeat."""
    try:
        return _report_import_run(import_id)
    except Exception:
        _import_broke(import_id)
        raise


def _report_import_run(import_id: int) -> ReportImport:
    with transaction.atomic():
        job = (
            ReportImport.objects.select_for_update(of=("self",))
            .select_related("uploaded_by", "programme")
            .get(pk=import_id)
        )
        if job.status != ReportImport.Status.IMPORTING:
            return job
        with translation.override(job.language):
            try:
                sheet = _read_import(job)
            except imports.ImportFileError as error:
                outcome = imports.Outcome(errors=_file_errors(str(error)), error_count=1)
            else:
                with transaction.atomic():
                    outcome = imports.process(
                        sheet,
                        actor=job.uploaded_by,
                        submit=job.submit,
                        step=_progress_writer(job),
                        checked=job.plan,
                    )
                    if outcome.error_count:
                        transaction.set_rollback(True)
        job.plan, job.errors = outcome.plan or job.plan, outcome.errors
        job.progress, job.finished_at = 100, timezone.now()
        if outcome.error_count:
            job.status = ReportImport.Status.FAILED
        else:
            job.status = ReportImport.Status.DONE
            job.created_count, job.updated_count = outcome.created, outcome.updated
            audit.record(
                audit.Action.REPORTS_IMPORTED,
                user=job.uploaded_by,
                obj=job,
                detail=f"{job.programme.code if job.programme else '-'} "
                f"created={outcome.created} changed={outcome.updated} "
                f"{'submitted' if job.submit else 'draft'}",
            )
        job.save()
        if job.status == ReportImport.Status.DONE and job.file:
            # The figures are in the reports now; the file is not kept.
            stored, storage = job.file.name, job.file.storage
            job.file = ""
            job.save(update_fields=["file"])
            transaction.on_commit(lambda: storage.delete(stored))
    return job
