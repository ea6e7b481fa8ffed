from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from portal.http import AuthenticatedHttpRequest
from portal.pagination import LenientPaginationMixin
from portal.permissions import ensure_admin
from reports.models import ReportingPeriod
from summaries import files, selectors, services
from summaries.forms import CompletenessForm, PublishForm, SummaryFilterForm
from summaries.models import AggregationRun, Release


def _filter_form(request: AuthenticatedHttpRequest) -> SummaryFilterForm:
    return selectors.summary_form_for(user=request.user, data=request.GET or None)


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
        filters = form.filters()
        page = selectors.summary_page_for(
            user=self.request.user, filters=filters, page=self.request.GET.get("page")
        )
        context.update(
            vars(page),
            page=page,
            form=form,
            year=filters.year,
            tables=page.tables,
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
            form.fields["period"].initial = period
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
    """A release file (CSV streamed with a BOM, or XLSX), or for admins who ask, the working
    figures marked confidential. Every download is logged."""

    def get(self, request: AuthenticatedHttpRequest, file_format: str) -> HttpResponseBase:
        form = _filter_form(request)
        release_id = request.GET.get("release", "")
        part = request.GET.get("part", "")
        if (
            (form.is_bound and not form.is_valid())
            or (release_id and not release_id.isdigit())
            or part not in {"", "figures", "spending"}
        ):
            messages.error(request, _("Check the filters before downloading."))
            return redirect("summaries:index")
        try:
            log, summary_file = services.summary_download(
                actor=request.user,
                filters=form.filters(),
                file_format=file_format,
                release_id=int(release_id) if release_id else None,
                working=request.GET.get("working") == "1",
                spending_only=part == "spending",
            )
        except services.ReleaseError as error:
            messages.error(request, str(error))
            return redirect("summaries:index")
        if file_format == "csv":
            response = StreamingHttpResponse(
                files.csv_chunks(summary_file, log), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="{summary_file.name}.csv"'
            return response
        return FileResponse(
            files.xlsx_file(summary_file, log),
            as_attachment=True,
            filename=f"{summary_file.name}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )


class ReleaseListView(LenientPaginationMixin, ListView):
    """Every release and revision, newest first, with their files; admins publish from here."""

    request: AuthenticatedHttpRequest
    template_name = "summaries/release_list.html"
    context_object_name = "releases"
    paginate_by = 25

    def get_queryset(self) -> QuerySet[Release]:
        return selectors.releases_for(user=self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            selectors.release_page_for(user=self.request.user),
            publish_form=PublishForm(),
        )
        return context


class ReleasePublishView(View):
    def post(self, request: AuthenticatedHttpRequest) -> HttpResponseBase:
        ensure_admin(request.user)  # before reading the form: others learn nothing from it
        form = PublishForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, str(error))
            return redirect("summaries:releases")
        try:
            release = services.release_publish(actor=request.user, **form.cleaned_data)
        except services.ReleaseError as error:
            messages.error(request, str(error))
            return redirect("summaries:releases")
        messages.success(
            request,
            _("%(release)s is published: %(hidden)s of %(cells)s cells are hidden.")
            % {"release": release.label, "hidden": release.hidden_cells, "cells": release.cells},
        )
        return redirect("summaries:releases")


class AggregationRunListView(LenientPaginationMixin, ListView):
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
