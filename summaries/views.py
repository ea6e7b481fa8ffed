import json
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from portal.http import AuthenticatedHttpRequest
from reports.models import ReportingPeriod
from summaries import files, selectors, services
from summaries.forms import CompletenessForm, SummaryFilterForm
from summaries.models import AggregationRun
from summaries.scope import province_ids_in_scope


def _filter_form(request: AuthenticatedHttpRequest) -> SummaryFilterForm:
    data = request.GET if request.GET else None
    return SummaryFilterForm(data, province_ids=province_ids_in_scope(user=request.user))


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class SummaryView(TemplateView):
    """Summaries by province with national (or in-scope) totals, charts and NAP targets."""

    request: AuthenticatedHttpRequest
    template_name = "summaries/summary.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = _filter_form(self.request)
        page = selectors.summary_page_for(
            user=self.request.user, filters=form.filters(), page=self.request.GET.get("page")
        )
        context.update(
            vars(page),
            form=form,
            tables=page.tables,
            charts_json=json.dumps(page.charts, default=str) if page.charts else "",
            query_string=_query_without_page(self.request),
        )
        return context


class CompletenessView(TemplateView):
    request: AuthenticatedHttpRequest
    template_name = "summaries/completeness.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = CompletenessForm(self.request.GET or None)
        period = form.cleaned_data.get("period") if form.is_valid() else None
        periods = cast("forms.ModelChoiceField[ReportingPeriod]", form.fields["period"]).queryset
        if period is None and periods is not None:  # CompletenessForm always sets the queryset
            period = selectors.default_completeness_period(periods)
        page = selectors.completeness_page_for(
            user=self.request.user,
            period=period,
            province_code=self.request.GET.get("province"),
            page=self.request.GET.get("page"),
        )
        detail_query = {"period": period.pk if period else "", "province": page.detail_code}
        context.update(vars(page), form=form, detail_query=urlencode(detail_query))
        return context


class DownloadView(View):
    """CSV (streamed, UTF-8 with BOM) or XLSX of the filtered summaries, suppressed and logged."""

    def get(self, request: AuthenticatedHttpRequest, file_format: str) -> HttpResponseBase:
        form = _filter_form(request)
        if form.is_bound and not form.is_valid():
            messages.error(request, _("Check the filters before downloading."))
            return redirect("summaries:index")
        log, rows = services.summary_download(
            actor=request.user, filters=form.filters(), file_format=file_format
        )
        stamp = timezone.localdate().isoformat()
        if file_format == "csv":
            response = StreamingHttpResponse(
                files.csv_chunks(rows, log), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="napwps-summaries-{stamp}.csv"'
            return response
        return FileResponse(
            files.xlsx_file(rows, log),
            as_attachment=True,
            filename=f"napwps-summaries-{stamp}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )


class AggregationRunListView(ListView):
    request: AuthenticatedHttpRequest
    template_name = "summaries/run_list.html"
    context_object_name = "runs"
    paginate_by = 25

    def get_queryset(self) -> QuerySet[AggregationRun]:
        return selectors.aggregation_runs_for(user=self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(selectors.aggregation_status_for(user=self.request.user))
        return context


class AggregationRebuildView(View):
    def post(self, request: AuthenticatedHttpRequest) -> HttpResponseBase:
        run = services.aggregation_request_full(actor=request.user)
        run.refresh_from_db()
        messages.success(
            request,
            _("A full rebuild was started: %(status)s.") % {"status": run.get_status_display()},
        )
        return redirect("summaries:runs")
