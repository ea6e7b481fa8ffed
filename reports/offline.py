"""Offline report entry: what a reporter's device keeps, and how the changes it queued come back.

`offline_bundle_for` is a scoped read: the reporter's organisations, the programmes they report,
their indicators with the disaggregation cells each asks for, the periods open for new reports,
the editable reports of those organisations (counts and activity text only, as on the server) and
the figure rules, all of which the device keeps in IndexedDB while online.

`offline_change_apply` is the write a queued change goes through: the report services decide
(permissions, workflow, the version the change was based on, the figure rules), and a key sent
with each change makes it arrive once (`SyncReceipt`).
"""

import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from indicators.models import Indicator, Programme
from portal.models import Membership, Organisation, User
from reports import selectors, services
from reports.api import figures_as_json, figures_from_json
from reports.figures import dimension_layout, figure_rules, inputs_from_figures
from reports.models import ActivityReport, ReportingPeriod, SyncReceipt

Status = ActivityReport.Status


def _indicator_json(indicator: Indicator) -> dict[str, Any]:
    return {
        "id": indicator.pk,
        "code": indicator.code,
        "name": indicator.name,
        "unit": indicator.unit_label,
        "is_ratio": indicator.is_ratio,
        "dimensions": [
            {
                "key": key,
                "label": str(label),
                "categories": [[category, str(text)] for category, text in categories],
            }
            for key, label, categories in dimension_layout(indicator)
        ],
        "restrictions": [[dimension, category] for dimension, category in indicator.restrictions],
    }


def report_json(report: ActivityReport, codes: dict[int, str]) -> dict[str, Any]:
    """A report as the device keeps it; `codes` maps indicator ids to codes."""
    return {
        "id": report.pk,
        "organisation": report.organisation_id,
        "organisation_name": report.organisation.name,
        "programme": report.programme.code,
        "programme_name": report.programme.name,
        "period": report.period.code,
        "period_label": report.period.label,
        "title": report.title,
        "narrative": report.narrative,
        "commune": report.commune,
        "status": report.status,
        "status_label": report.get_status_display(),
        "version": report.version,
        "editable": report.is_editable,
        "figures": figures_as_json(inputs_from_figures(report.figures.all()), codes),
    }


def _reporter_organisations(user: User) -> list[Organisation]:
    return list(
        Organisation.objects.filter(
            pk__in=user.organisation_ids(Membership.Role.REPORTER), is_active=True
        )
        .select_related("province")
        .order_by("name")
    )


def offline_bundle_for(*, user: User) -> dict[str, Any]:
    """Everything the reporter's device needs to open, fill and check a report offline."""
    organisations = _reporter_organisations(user)
    reports = list(
        selectors.reports_visible_to(user=user)
        .filter(organisation__in=organisations, status__in=ActivityReport.EDITABLE)
        .select_related("organisation", "programme", "period")
        .prefetch_related("figures")
        .order_by("-period__start_date", "programme__code", "organisation__name")
    )
    new_programmes = list(
        selectors.programmes_for_new_report(organisations=organisations).prefetch_related(
            "organisations"
        )
    )
    wanted = {p.pk for p in new_programmes} | {r.programme_id for r in reports}
    programmes = list(
        Programme.objects.filter(pk__in=wanted)
        .prefetch_related("indicators", "organisations")
        .order_by("code")
    )
    codes = {i.pk: i.code for p in programmes for i in p.indicators.all()}
    programme_json = []
    for programme in programmes:
        running = {o.pk for o in programme.organisations.all()}
        # A new report offline only where its province follows from the organisation (or the
        # programme is national): a national body's provincial report needs a province chosen.
        may_open = [
            o.pk
            for o in organisations
            if programme.is_active
            and o.pk in running
            and programme.accepts(o)
            and (o.province_id is not None or programme.is_national)
        ]
        indicators = sorted(programme.indicators.all(), key=lambda i: (i.pillar, i.code))
        programme_json.append(
            {
                "code": programme.code,
                "name": programme.name,
                "period_kind": programme.period_kind,
                "organisations": may_open,
                "indicators": [_indicator_json(i) for i in indicators],
            }
        )
    periods = selectors.open_periods(programmes=new_programmes) if new_programmes else []
    return {
        "user": user.pk,
        "organisations": [{"id": o.pk, "name": o.name} for o in organisations],
        "programmes": programme_json,
        "periods": [{"code": p.code, "label": p.label, "kind": p.kind} for p in periods],
        "reports": [report_json(r, codes) for r in reports],
        "rules": figure_rules(),
    }


@dataclass
class OfflineChange:
    """One change from a device's queue. A report the device opened offline has no id yet: it
    names its organisation, programme and period instead."""

    key: uuid.UUID
    report_id: int | None
    base_version: int | None
    title: str
    narrative: str
    commune: str
    figures: dict[str, Any]
    submit: bool = False
    organisation_id: int | None = None
    programme_code: str = ""
    period_code: str = ""


@dataclass
class Applied:
    report: ActivityReport
    submitted: bool
    repeated: bool  # the key had been received before: nothing was done this time


class OfflineConflict(services.ConflictError):
    """The report is not what the change was based on (changed, submitted or decided meanwhile,
    or opened on another device first). `report` is the server's, to show beside the device's."""

    def __init__(self, message: str, report: ActivityReport):
        super().__init__(message)
        self.report = report


def _receipt(key: uuid.UUID, actor: User) -> SyncReceipt | None:
    receipt = SyncReceipt.objects.select_related("report").filter(key=key).first()
    if receipt is not None and receipt.user_id != actor.pk:
        raise Http404  # another person's key: nothing to learn from it
    return receipt


def _new_report(actor: User, change: OfflineChange) -> ActivityReport:
    organisation = next(
        (o for o in _reporter_organisations(actor) if o.pk == change.organisation_id), None
    )
    programme = Programme.objects.filter(code=change.programme_code).first()
    try:
        period = ReportingPeriod.objects.by_code(change.period_code)
    except (ValueError, ReportingPeriod.DoesNotExist):
        period = None
    if organisation is None or programme is None or period is None:
        raise services.WorkflowError(_("This report can no longer be opened: check it online."))
    try:
        return services.report_create(
            actor=actor,
            organisation=organisation,
            programme=programme,
            period=period,
            title=change.title,
        )
    except services.DuplicateReportError as error:
        if error.existing is None or not selectors.report_visible_to(
            user=actor, report_id=error.existing.pk
        ):
            raise
        raise OfflineConflict(str(error), error.existing) from None


def offline_change_apply(*, actor: User, change: OfflineChange) -> Applied:
    """Apply a queued change through the report services, once per key.

    Raises OfflineConflict (with the server's report) when the report changed after the version
    the change was based on or can no longer be edited, ValidationError (form field names, as the
    services) when the content breaks a figure rule; nothing is saved then, and no receipt kept.
    """
    receipt = _receipt(change.key, actor)
    if receipt is not None:
        return Applied(receipt.report, receipt.submitted, repeated=True)
    try:
        with transaction.atomic():
            expected: int | None
            if change.report_id is None:
                report = _new_report(actor, change)
                expected = report.version
            else:
                report = selectors.report_for(user=actor, pk=change.report_id)
                # Two sendings of one key at once: the second waits here for the first, then
                # finds its receipt.
                ActivityReport.objects.select_for_update().filter(pk=report.pk).first()
                receipt = _receipt(change.key, actor)
                if receipt is not None:
                    return Applied(receipt.report, receipt.submitted, repeated=True)
                expected = change.base_version
            indicators = list(report.programme.indicators.all())
            figures = inputs_from_figures(report.figures.all())
            figures.update(figures_from_json(change.figures, indicators))
            content = services.ReportContent(
                title=change.title,
                narrative=change.narrative,
                commune=change.commune,
                pillars=list(report.pillar_tags.values_list("pillar", flat=True)),
                figures=figures,
            )
            report = services.report_update(
                actor=actor,
                report_id=report.pk,
                content=content,
                expected_version=expected,
                submit=change.submit,
            )
            SyncReceipt.objects.create(
                key=change.key,
                user=actor,
                report=report,
                submitted=change.submit,
                version=report.version,
            )
    except services.ConflictError as error:
        if isinstance(error, OfflineConflict):
            raise
        raise OfflineConflict(str(error), _reread(actor, change.report_id)) from None
    except services.WorkflowError as error:
        if change.report_id is None:
            raise
        raise OfflineConflict(str(error), _reread(actor, change.report_id)) from None
    return Applied(report, change.submit, repeated=False)


def _reread(actor: User, report_id: int | None) -> ActivityReport:
    if report_id is None:
        raise Http404
    return selectors.report_for(user=actor, pk=report_id)


def indicator_codes(report: ActivityReport) -> dict[int, str]:
    return dict(Indicator.objects.filter(programmes=report.programme).values_list("pk", "code"))
