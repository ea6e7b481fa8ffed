from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from portal.health import broker_state, database_state
from portal.selectors import home_overview_for
from reports.selectors import home_counts_for


class HomeView(TemplateView):
    template_name = "portal/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["overview"] = home_overview_for(user=self.request.user)
        context["counts"] = home_counts_for(user=self.request.user)
        return context


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """Database and broker state as JSON; 200 only when both answer."""
    state = {"database": database_state(), "broker": broker_state()}
    healthy = state["database"] == "ok" and state["broker"] in {"ok", "eager"}
    return JsonResponse(
        {"status": "ok" if healthy else "error", **state}, status=200 if healthy else 503
    )
