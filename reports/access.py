"""Who may do what to a report. Each `ensure_*` raises PermissionDenied."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from portal.models import Membership, User
from reports.models import ActivityReport


def is_reporter_for(user: User, organisation_id: int) -> bool:
    return organisation_id in user.organisation_ids(Membership.Role.REPORTER)


def in_review_scope(user: User, report: ActivityReport) -> bool:
    if user.is_portal_admin:
        return True
    provinces, organisations = user.review_scope()
    return report.province_id in provinces or report.organisation_id in organisations


def can_edit(user: User, report: ActivityReport) -> bool:
    return report.is_editable and is_reporter_for(user, report.organisation_id)


def can_withdraw(user: User, report: ActivityReport) -> bool:
    return report.status == ActivityReport.Status.SUBMITTED and is_reporter_for(
        user, report.organisation_id
    )


def is_own_report(user: User, report: ActivityReport) -> bool:
    return user.pk in {report.created_by_id, report.submitted_by_id}


def can_review(user: User, report: ActivityReport) -> bool:
    return (
        report.status == ActivityReport.Status.SUBMITTED
        and in_review_scope(user, report)
        and not is_own_report(user, report)
    )


def can_reopen(user: User, report: ActivityReport) -> bool:
    return report.status == ActivityReport.Status.APPROVED and user.is_portal_admin


def ensure_reporter_for(user: User, organisation_id: int) -> None:
    if not is_reporter_for(user, organisation_id):
        raise PermissionDenied(_("You do not report for this organisation."))


def ensure_can_edit(user: User, report: ActivityReport) -> None:
    ensure_reporter_for(user, report.organisation_id)


def ensure_can_review(user: User, report: ActivityReport) -> None:
    if not in_review_scope(user, report):
        raise PermissionDenied(_("This report is outside your review scope."))
    if is_own_report(user, report):
        raise PermissionDenied(_("You cannot review a report you created or submitted."))
