"""Who may do what to a report. Each `ensure_*` raises PermissionDenied.

Approval levels. A report of a one-level programme is decided by a reviewer whose scope (provinces
or organisations) covers it. A two-level programme's report is approved at level 1 by such a
reviewer (the provincial chapter's, or a CSO network's), then accepted at level 2 by a central
reviewer: a reviewer of a VWU-central organisation, whose level-2 scope is national, or a portal
admin. Nobody decides a report they created or submitted, and the reviewer who approved it at
level 1 never accepts it at level 2: two levels are two people.

Staff of a parent organisation read their descendants' reports (`reports.selectors`) and decide
nothing through that: reading is not reviewing."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from portal.hierarchy import descendant_ids
from portal.models import Membership, User
from reports.models import ActivityReport


def is_reporter_for(user: User, organisation_id: int) -> bool:
    return organisation_id in user.organisation_ids(Membership.Role.REPORTER)


def import_organisation_ids(user: User) -> set[int] | None:
    """The organisations the user may import reports for (None: every one, for admins): those
    they report for and, for a parent chapter's reporters, every organisation below them."""
    if user.is_portal_admin:
        return None
    own = user.organisation_ids(Membership.Role.REPORTER)
    return own | descendant_ids(own)


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


def may_accept(user: User) -> bool:
    """Acts at level 2: an admin or a central reviewer."""
    return user.is_portal_admin or user.is_central_reviewer


def approved_level_1(user: User, report: ActivityReport) -> bool:
    """The user approved this report at level 1 (it now waits for level 2)."""
    return (
        report.status == ActivityReport.Status.APPROVED_LEVEL_1 and report.reviewed_by_id == user.pk
    )


def may_decide_at_some_level(user: User, report: ActivityReport) -> bool:
    """The report is one the user decides at one of its levels, whatever its status now."""
    return in_review_scope(user, report) or (report.approval_levels == 2 and may_accept(user))


def can_act_at_level(user: User, report: ActivityReport) -> bool:
    """The user may decide the report at the level it waits at, own reports aside."""
    level = report.review_level
    if level == 1:
        return in_review_scope(user, report)
    if level == 2:
        return may_accept(user) and not approved_level_1(user, report)
    return False


def can_review(user: User, report: ActivityReport) -> bool:
    return can_act_at_level(user, report) and not is_own_report(user, report)


def can_reopen(user: User, report: ActivityReport) -> bool:
    return report.status == ActivityReport.Status.APPROVED and user.is_portal_admin


def ensure_reporter_for(user: User, organisation_id: int) -> None:
    if not is_reporter_for(user, organisation_id):
        raise PermissionDenied(_("You do not report for this organisation."))


def ensure_can_edit(user: User, report: ActivityReport) -> None:
    ensure_reporter_for(user, report.organisation_id)


def ensure_may_decide(user: User, report: ActivityReport) -> None:
    if not may_decide_at_some_level(user, report):
        raise PermissionDenied(_("This report is outside your review scope."))


def ensure_can_review(user: User, report: ActivityReport) -> None:
    """The user may decide the report at the level it waits at."""
    if report.review_level == 2:
        if not may_accept(user):
            raise PermissionDenied(
                _("Only a reviewer of the central union accepts a report at level 2.")
            )
        if approved_level_1(user, report):
            raise PermissionDenied(
                _("You approved this report at level 1: another reviewer accepts it at level 2.")
            )
    elif not in_review_scope(user, report):
        raise PermissionDenied(_("This report is outside your review scope."))
    if is_own_report(user, report):
        raise PermissionDenied(_("You cannot review a report you created or submitted."))


def ensure_can_see_overdue(user: User) -> None:
    """Who owes a report past its deadline: admins everywhere, reviewers in their scope."""
    if not user.reviews_reports:
        raise PermissionDenied(_("Only reviewers and administrators see overdue reports."))


def ensure_may_import_for(user: User, organisation_id: int, scope: set[int] | None) -> None:
    """`scope` is `import_organisation_ids(user)`, read once for a whole file."""
    if scope is not None and organisation_id not in scope:
        raise PermissionDenied(_("You cannot import reports for this organisation."))
