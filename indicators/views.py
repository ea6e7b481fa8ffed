from django.views.generic import DetailView, ListView

from indicators.models import Pillar
from indicators.selectors import (
    indicator_by_code,
    indicators_in_catalogue,
    programme_by_code,
    programmes_in_catalogue,
)
from portal.pagination import LenientPaginationMixin


class CatalogueView(LenientPaginationMixin, ListView):
    """The NAP catalogue: programmes, and indicators grouped by pillar with their targets."""

    template_name = "indicators/catalogue.html"
    context_object_name = "indicators"
    paginate_by = 50

    def get_pillar(self) -> str:
        pillar = self.request.GET.get("pillar", "")
        return pillar if pillar in Pillar.values else ""

    def get_queryset(self):
        return indicators_in_catalogue(pillar=self.get_pillar())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pillars"] = Pillar.choices
        context["current_pillar"] = self.get_pillar()
        context["programmes"] = programmes_in_catalogue()
        return context


class IndicatorDetailView(DetailView):
    template_name = "indicators/indicator_detail.html"
    context_object_name = "indicator"

    def get_object(self, queryset=None):
        return indicator_by_code(code=self.kwargs["code"])


class ProgrammeDetailView(DetailView):
    template_name = "indicators/programme_detail.html"
    context_object_name = "programme"

    def get_object(self, queryset=None):
        return programme_by_code(code=self.kwargs["code"])
