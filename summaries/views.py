from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from indicators.dhis2 import MappingImportError, mapping_import
from portal.http import AuthenticatedHttpRequest
from portal.pagination import LenientPaginationMixin
from portal.permissions import ensure_admin
from reports.models import ReportingPeriod
from summaries import files, selectors, services
from summaries.forms import (
    CompletenessForm,
    Dhis2MappingForm,
    NapHighlightForm,
    NapReportForm,
    PublishForm,
    SummaryFilterForm,
)
from summaries.models import AggregationRun, Release
from summaries.nap_report import NapReportError


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


def _year_param(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) == 4 else None


class NapReportView(TemplateView):
    """The annual NAP report (admins): build it in a language and format, follow the build,
    download the file, and pick the year's narrative highlights."""

    request: AuthenticatedHttpRequest
    template_name = "summaries/nap_report.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        year = kwargs.get("year") or _year_param(self.request.GET.get("year"))
        page = selectors.nap_report_page_for(user=self.request.user, year=year)
        context.update(
            page=page,
            form=kwargs.get("form") or NapReportForm(initial={"year": page.year}, years=page.years),
            highlight_form=kwargs.get("highlight_form") or NapHighlightForm(),
        )
        return context


class NapReportBuildView(View):
    def post(self, request: AuthenticatedHttpRequest) -> HttpResponseBase:
        ensure_admin(request.user)  # before reading the form: others learn nothing from it
        form = NapReportForm(request.POST, years=selectors.nap_report_years())
        if not form.is_valid():
            return _render_with(request, form=form)
        try:
            build = services.nap_report_request(actor=request.user, **form.cleaned_data)
        except NapReportError as error:
            form.add_error(None, str(error))
            return _render_with(request, form=form)
        messages.success(
            request,
            _("The %(year)s report is being built; this page shows its progress.")
            % {"year": build.year},
        )
        return redirect(f"{reverse('summaries:nap_report')}?year={build.year}")


def _render_with(request: AuthenticatedHttpRequest, **forms_given: Any) -> HttpResponseBase:
    """The report page again (for the year given, if any), with the refused form's errors."""
    view = NapReportView()
    view.setup(request)
    response = view.render_to_response(view.get_context_data(**forms_given))
    response.status_code = 400
    return response


class NapReportDownloadView(View):
    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
        build = services.nap_report_download(actor=request.user, build_id=pk)
        try:
            handle = build.file.open("rb")
        except FileNotFoundError:
            raise Http404(_("The file is missing from storage.")) from None
        content_type = {
            "pdf": "application/pdf",
            "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        }[build.file_format]
        response = FileResponse(
            handle, as_attachment=True, filename=build.download_name, content_type=content_type
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


class NapHighlightAddView(View):
    def post(self, request: AuthenticatedHttpRequest) -> HttpResponseBase:
        ensure_admin(request.user)
        year = _year_param(request.POST.get("year"))
        form = NapHighlightForm(request.POST)
        if year is None or not form.is_valid():
            return _render_with(request, highlight_form=form, year=year)
        try:
            services.nap_highlight_add(
                actor=request.user, year=year, report_id=form.cleaned_data["report"]
            )
        except NapReportError as error:
            form.add_error("report", str(error))
            return _render_with(request, highlight_form=form, year=year)
        return redirect(f"{reverse('summaries:nap_report')}?year={year}#highlights")


class NapHighlightRemoveView(View):
    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
        services.nap_highlight_remove(actor=request.user, highlight_id=pk)
        year = _year_param(request.POST.get("year"))
        query = f"?year={year}" if year else ""
        return redirect(f"{reverse('summaries:nap_report')}{query}#highlights")


class Dhis2View(TemplateView):
    """A release for DHIS2 (admins): what it sends with the current mapping and what is left
    out, its files, the push to the configured server and how each push went."""

    request: AuthenticatedHttpRequest
    template_name = "summaries/release_dhis2.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        page = selectors.dhis2_page_for(user=self.request.user, release_id=kwargs["pk"])
        context.update(page=page, release=page.export.release, mapping_form=Dhis2MappingForm())
        return context


class Dhis2DownloadView(View):
    def get(self, request: AuthenticatedHttpRequest, pk: int, file_format: str) -> HttpResponseBase:
        try:
            found = services.dhis2_export_file(
                actor=request.user, release_id=pk, file_format=file_format
            )
        except services.Dhis2ExportError as error:
            messages.error(request, str(error))
            return redirect("summaries:release_dhis2", pk=pk)
        response = HttpResponse(found.content, content_type=found.content_type)
        response["Content-Disposition"] = f'attachment; filename="{found.filename}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


class Dhis2PushView(View):
    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
        try:
            services.dhis2_push_request(actor=request.user, release_id=pk)
        except services.Dhis2ExportError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("The release is being sent to DHIS2: a dry run first, then the import."),
            )
        return redirect("summaries:release_dhis2", pk=pk)


# Errors shown after a refused mapping file: enough to fix a file, not a wall of text.
MAPPING_ERRORS_SHOWN = 20


class Dhis2MappingImportView(View):
    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
        ensure_admin(request.user)  # before reading the form: others learn nothing from it
        form = Dhis2MappingForm(request.POST, request.FILES)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, str(error))
            return redirect("summaries:release_dhis2", pk=pk)
        try:
            imported = mapping_import(actor=request.user, content=form.cleaned_data["file"].read())
        except MappingImportError as error:
            messages.error(request, _("Nothing was imported; correct the file and try again."))
            for message in error.errors[:MAPPING_ERRORS_SHOWN]:
                messages.error(request, message)
            hidden = len(error.errors) - MAPPING_ERRORS_SHOWN
            if hidden > 0:
                messages.error(request, _("… and %(count)s more.") % {"count": hidden})
        else:
            messages.success(
                request,
                _(
                    "Mapping imported: %(data_elements)s data elements, %(combos)s category "
                    "option combos, %(org_units)s organisation units."
                )
                % {
                    "data_elements": imported.data_elements,
                    "combos": imported.category_option_combos,
                    "org_units": imported.org_units,
                },
            )
        return redirect("summaries:release_dhis2", pk=pk)
