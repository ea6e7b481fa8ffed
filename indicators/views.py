import json
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView

from indicators import downloads, services
from indicators.completeness import completeness_for
from indicators.forms import CompletenessForm, SummaryFilterForm
from indicators.models import AggregationRun, Pillar, SummaryDownload
from indicators.selectors import (
    indicator_by_code,
    indicators_in_catalogue,
    programme_by_code,
    programmes_in_catalogue,
)
from indicators.summaries import (
    can_download,
    export_rows,
    indicator_tables,
    province_ids_in_scope,
    series_over_time,
    target_progress,
)
from reports.access import ensure_admin


class CatalogueView(ListView):
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


def _filter_form(request) -> SummaryFilterForm:
    data = request.GET if request.GET else None
    return SummaryFilterForm(data, province_ids=province_ids_in_scope(user=request.user))


class SummaryView(TemplateView):
    """Summaries by province with national (or in-scope) totals, charts and NAP targets."""

    template_name = "indicators/summary.html"
    tables_per_page = 6

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        form = _filter_form(self.request)
        filters = form.filters()
        published = not user.is_portal_admin
        tables = indicator_tables(user=user, filters=filters, published=published)
        page = Paginator(tables, self.tables_per_page).get_page(self.request.GET.get("page"))
        chart_indicator = filters.indicator or (tables[0].indicator if tables else None)
        charts = {}
        if chart_indicator is not None:
            chart_table = next((t for t in tables if t.indicator == chart_indicator), None)
            charts = {
                "indicator": f"{chart_indicator.code} · {chart_indicator.name}",
                "unit": "%" if chart_indicator.is_ratio else chart_indicator.unit_label,
                "over_time": series_over_time(
                    user=user, filters=filters, indicator=chart_indicator, published=published
                ),
                "by_province": chart_table.chart_by_province if chart_table else [],
                "labels": {"over_time": _("Over time"), "by_province": _("By province")},
            }
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            form=form,
            page_obj=page,
            tables=page.object_list,
            progress=target_progress(user=user, filters=filters, published=published),
            charts=charts,
            charts_json=json.dumps(charts, default=str) if charts else "",
            published=published,
            min_cell=services.min_cell(),
            can_download=can_download(user),
            query_string=query.urlencode(),
            scope_is_national=province_ids_in_scope(user=user) is None,
        )
        return context


class CompletenessView(TemplateView):
    template_name = "indicators/completeness.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = CompletenessForm(self.request.GET or None)
        period = form.cleaned_data.get("period") if form.is_valid() else None
        if period is None:
            period = (
                form.fields["period"]
                .queryset.filter(deadline_date__lt=timezone.localdate(), kind="quarter")
                .first()
            )
        provinces = completeness_for(user=self.request.user, period=period) if period else []
        selected = self.request.GET.get("province")
        totals = {
            "expected": sum(p.expected for p in provinces),
            "reported": sum(p.reported for p in provinces),
            "on_time": sum(p.on_time for p in provinces),
        }
        detail = next((p for p in provinces if p.province_code == selected), None)
        detail_page = (
            Paginator(detail.items, 50).get_page(self.request.GET.get("page")) if detail else None
        )
        context.update(
            form=form,
            detail_query=urlencode(
                {"period": period.pk if period else "", "province": selected or ""}
            ),
            period=period,
            provinces=provinces,
            totals=totals,
            detail=detail,
            detail_page=detail_page,
        )
        return context


class DownloadView(View):
    """CSV (streamed, UTF-8 with BOM) or XLSX of the filtered summaries, suppressed and logged."""

    def get(self, request, file_format):
        if not can_download(request.user):
            raise PermissionDenied(_("Only reviewers and administrators can download summaries."))
        form = _filter_form(request)
        if form.is_bound and not form.is_valid():
            messages.error(request, _("Check the filters before downloading."))
            return redirect("summaries:index")
        filters = form.filters()
        log = services.summary_download_log(
            actor=request.user, file_format=file_format, filters=filters.as_dict()
        )
        rows = export_rows(user=request.user, filters=filters)
        stamp = timezone.localdate().isoformat()
        if file_format == "csv":
            response = StreamingHttpResponse(
                downloads.csv_chunks(rows, log), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="napwps-summaries-{stamp}.csv"'
            return response
        return FileResponse(
            downloads.xlsx_file(rows, log),
            as_attachment=True,
            filename=f"napwps-summaries-{stamp}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )


class AggregationRunListView(ListView):
    template_name = "indicators/run_list.html"
    context_object_name = "runs"
    paginate_by = 25

    def dispatch(self, request, *args, **kwargs):
        ensure_admin(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return AggregationRun.objects.select_related("province", "period", "requested_by").order_by(
            "-created_at", "-pk"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["stale_count"] = services.stale_count()
        context["downloads"] = SummaryDownload.objects.select_related("user").order_by(
            "-created_at"
        )[:20]
        return context


class AggregationRebuildView(View):
    def post(self, request):
        run = services.aggregation_request_full(actor=request.user)
        run.refresh_from_db()
        messages.success(
            request,
            _("A full rebuild was started: %(status)s.") % {"status": run.get_status_display()},
        )
        return redirect("summaries:runs")
