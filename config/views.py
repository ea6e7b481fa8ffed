"""The home page: the one page that draws on every layer, so it is wired here, above them all."""

from dataclasses import dataclass, field

from django.views.generic import TemplateView

from indicators.models import Indicator, Programme
from portal.http import AuthenticatedHttpRequest
from portal.models import Membership, Organisation, Province, User
from portal.selectors import memberships_of
from reports.selectors import home_counts_for


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
        overview.admin_counts = {
            "provinces": Province.objects.count(),
            "organisations": Organisation.objects.filter(is_active=True).count(),
            "users": User.objects.filter(is_active=True).count(),
            "indicators": Indicator.objects.filter(is_active=True).count(),
            "programmes": Programme.objects.filter(is_active=True).count(),
        }
    return overview


class HomeView(TemplateView):
    request: AuthenticatedHttpRequest
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["overview"] = home_overview_for(user=self.request.user)
        context["counts"] = home_counts_for(user=self.request.user)
        return context
