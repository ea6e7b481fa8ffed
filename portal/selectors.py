"""Reads about people and places that depend on who is asking."""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from portal.models import AuditEvent, Membership, Organisation, Province, User


def memberships_of(*, user: User) -> QuerySet[Membership]:
    """The user's memberships with their organisation, province and review scope preloaded."""
    return (
        Membership.objects.filter(user=user, organisation__is_active=True)
        .select_related("organisation__province")
        .prefetch_related(
            Prefetch("scope_provinces", queryset=Province.objects.order_by("code")),
            Prefetch(
                "scope_organisations",
                queryset=Organisation.objects.select_related("province").order_by("name"),
            ),
        )
        .order_by("role", "organisation__name")
    )


@dataclass
class HomeOverview:
    reporter_memberships: list[Membership] = field(default_factory=list)
    reviewer_memberships: list[Membership] = field(default_factory=list)
    admin_counts: dict[str, int] | None = None

    @property
    def has_role(self) -> bool:
        return bool(self.reporter_memberships or self.reviewer_memberships or self.admin_counts)


def home_overview_for(*, user: User) -> HomeOverview:
    """What the home page shows the user, one section per role they hold."""
    overview = HomeOverview()
    for membership in memberships_of(user=user):
        if membership.role == Membership.Role.REPORTER:
            overview.reporter_memberships.append(membership)
        elif membership.role == Membership.Role.REVIEWER:
            overview.reviewer_memberships.append(membership)
    if user.is_portal_admin:
        from indicators.models import Indicator, Programme

        overview.admin_counts = {
            "provinces": Province.objects.count(),
            "organisations": Organisation.objects.filter(is_active=True).count(),
            "users": User.objects.filter(is_active=True).count(),
            "indicators": Indicator.objects.filter(is_active=True).count(),
            "programmes": Programme.objects.filter(is_active=True).count(),
        }
    return overview


def audit_events_for(*, user: User) -> QuerySet[AuditEvent]:
    """The audit log, for admins only (PermissionDenied for everybody else)."""
    if not user.is_portal_admin:
        raise PermissionDenied(_("Only national administrators can do this."))
    return AuditEvent.objects.select_related("organisation").order_by("-at", "-pk")
