"""Reads about people and places that depend on who is asking."""

from django.db.models import Prefetch, Q, QuerySet

from portal.models import AuditEvent, Membership, Organisation, Province, User
from portal.permissions import ensure_admin


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


def audit_events_for(*, user: User) -> QuerySet[AuditEvent]:
    """The audit log, for admins only (PermissionDenied for everybody else)."""
    ensure_admin(user)
    return AuditEvent.objects.select_related("organisation").order_by("-at", "-pk")


def organisations_visible_to(*, user: User) -> QuerySet[Organisation]:
    """Active organisations the user works for or reviews (through its province or by name);
    every one for an administrator."""
    organisations = Organisation.objects.filter(is_active=True)
    if not user.is_portal_admin:
        provinces, reviewed = user.review_scope()
        own = {m.organisation_id for m in user.membership_list}
        organisations = organisations.filter(
            Q(pk__in=own | reviewed) | Q(province_id__in=provinces)
        )
    return organisations.select_related("province", "parent").order_by("name", "pk")
