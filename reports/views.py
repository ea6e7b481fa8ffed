import io
import json
import uuid
from abc import ABCMeta, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import FormView, ListView, TemplateView
from rest_framework.exceptions import ValidationError as DRFValidationError

from indicators.models import Indicator, Programme
from portal.http import AuthenticatedHttpRequest
from portal.models import Membership, Organisation
from portal.pagination import LenientPaginationMixin
from portal.permissions import ensure_admin
from reports import access, imports, offline, selectors, services
from reports.figures import inputs_from_figures
from reports.forms import (
    AttachmentForm,
    DecisionForm,
    ImportTemplateForm,
    ImportUploadForm,
    OverdueForm,
    PeriodLockForm,
    ReopenForm,
    ReportCreateForm,
    ReportFilter,
    ReportForm,
    ReviewQueueFilter,
)
from reports.models import ActivityReport, ReportingPeriod
from reports.uploads import kind_for_extension

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def add_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the matching fields (or on top of the form)."""
    if hasattr(error, "error_dict"):
        for name, messages_ in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


class FilteredListView(LenientPaginationMixin, ListView):
    """A list of reports read through `selector` (scoped to the user), then filtered."""

    request: AuthenticatedHttpRequest
    paginate_by = 25
    filterset_class = ReportFilter
    selector: Callable[..., QuerySet[ActivityReport]]

    def get_queryset(self):
        reports = type(self).selector(user=self.request.user)
        self.filterset = self.filterset_class(
            self.request.GET or None, queryset=reports, request=self.request
        )
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["filter"] = self.filterset
        context["query_string"] = query.urlencode()
        return context


class ReportListView(FilteredListView):
    template_name = "reports/report_list.html"
    context_object_name = "reports"

    selector = selectors.report_list_for


class ReviewQueueView(FilteredListView):
    template_name = "reports/review_queue.html"
    context_object_name = "reports"

    selector = selectors.review_queue_for
    filterset_class = ReviewQueueFilter


class OverdueListView(LenientPaginationMixin, ListView):
    """Organisations that owe a report past its deadline, by province: admins see every
    province, reviewers their scope, others are refused."""

    request: AuthenticatedHttpRequest
    template_name = "reports/overdue_list.html"
    context_object_name = "owing"
    paginate_by = 50

    def get_queryset(self):
        access.ensure_can_see_overdue(self.request.user)
        self.form = OverdueForm(self.request.GET or None, user=self.request.user)
        self.period = self.province = None
        if self.form.is_bound and not self.form.is_valid():
            self.owing = None
            return []
        cleaned = self.form.cleaned_data if self.form.is_bound else {}
        self.period = cleaned.get("period") or selectors.overdue_periods().first()
        self.province = cleaned.get("province")
        if self.period is None:
            self.owing = None
            return []
        self.form.initial["period"] = self.period
        self.owing = selectors.overdue_for(user=self.request.user, period=self.period)
        return selectors.overdue_for(
            user=self.request.user, period=self.period, province=self.province
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = {"period": self.period.pk} if self.period else {}
        if self.province is not None:
            query["province"] = self.province.code
        context.update(
            form=self.form,
            period=self.period,
            province=self.province,
            counts=selectors.overdue_counts(self.owing) if self.owing is not None else [],
            query_string=urlencode(query),
            today=timezone.localdate(),
        )
        return context


class ReturnedListView(LenientPaginationMixin, ListView):
    request: AuthenticatedHttpRequest
    template_name = "reports/returned_list.html"
    context_object_name = "reports"
    paginate_by = 25

    def get_queryset(self):
        return selectors.returned_reports_for(user=self.request.user)


class ReportCreateView(FormView):
    request: AuthenticatedHttpRequest
    template_name = "reports/report_create.html"
    form_class = ReportCreateForm

    def dispatch(self, request, *args, **kwargs):
        self.organisations = Organisation.objects.filter(
            pk__in=request.user.organisation_ids(Membership.Role.REPORTER), is_active=True
        ).order_by("name")
        if not self.organisations:
            raise PermissionDenied(_("You do not report for any organisation."))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        programmes = selectors.programmes_for_new_report(organisations=self.organisations)
        return {
            **super().get_form_kwargs(),
            "organisations": self.organisations,
            "programmes": programmes,
            "periods": selectors.open_periods(programmes=programmes),
        }

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            report = services.report_create(
                actor=self.request.user,
                organisation=data["organisation"],
                programme=data["programme"],
                period=data["period"],
                province=data.get("province"),
            )
        except services.DuplicateReportError as error:
            if error.existing is not None:
                messages.info(self.request, str(error))
                return redirect(error.existing)
            form.add_error(None, str(error))
            return self.form_invalid(form)
        except services.WorkflowError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        except ValidationError as error:
            add_errors(form, error)
            return self.form_invalid(form)
        return redirect("reports:edit", pk=report.pk)


class ReportEditView(FormView):
    request: AuthenticatedHttpRequest
    template_name = "reports/report_form.html"
    form_class = ReportForm

    def dispatch(self, request, *args, **kwargs):
        self.report = selectors.report_for(user=request.user, pk=kwargs["pk"])
        if not access.can_edit(request.user, self.report):
            if not access.is_reporter_for(request.user, self.report.organisation_id):
                raise PermissionDenied(_("You do not report for this organisation."))
            messages.info(request, _("This report cannot be changed in its current state."))
            return redirect(self.report)
        self.indicators = list(
            Indicator.objects.filter(programmes=self.report.programme).order_by("pillar", "code")
        )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        lines = self.report.spending.order_by("pk")
        return {
            **super().get_form_kwargs(),
            "report": self.report,
            "indicators": self.indicators,
            "spending_initial": ReportForm.spending_initial_for(lines),
        }

    def get_initial(self):
        pillars = list(self.report.pillar_tags.values_list("pillar", flat=True))
        inputs = inputs_from_figures(self.report.figures.all())
        return ReportForm.initial_for(self.report, pillars, inputs, self.indicators)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["report"] = self.report
        context["return_comment"] = selectors.latest_return_comment(self.report)
        context["attachments"] = self.report.attachments.order_by("uploaded_at")
        context.setdefault("attachment_form", AttachmentForm())
        return context

    def post(self, request, *args, **kwargs):
        # A file chosen and then "Save draft" pressed is attached too, not silently dropped.
        if {"attach", "remove_attachment"} & set(request.POST) or "file" in request.FILES:
            return self.change_evidence(self.get_form())
        return super().post(request, *args, **kwargs)

    def change_evidence(self, form):
        """Attach or remove a file from the edit form itself: what was typed is saved as a draft
        first when it can be; when it cannot, the form comes back with it all and its errors."""
        saved = form.is_valid() and self.save_draft(form)
        attachment_form = AttachmentForm(self.request.POST, self.request.FILES)
        try:
            if "remove_attachment" not in self.request.POST:
                if not attachment_form.is_valid():
                    raise ValidationError(attachment_form.errors.get("file") or [])  # type: ignore[arg-type]
                services.attachment_add(
                    actor=self.request.user,
                    report_id=self.report.pk,
                    upload=attachment_form.cleaned_data["file"],
                )
                done = _("The file was attached.")
            else:
                attachment = get_object_or_404(
                    self.report.attachments, pk=_whole(self.request.POST["remove_attachment"])
                )
                services.attachment_delete(actor=self.request.user, attachment_id=attachment.pk)
                done = _("The file was removed.")
        except (ValidationError, services.WorkflowError) as error:
            messages_ = error.messages if isinstance(error, ValidationError) else [str(error)]
            if saved:  # the typed content is safe: show the file's problem on the saved page
                for message in messages_:
                    messages.error(self.request, message)
                return redirect("reports:edit", pk=self.report.pk)
            attachment_form = AttachmentForm()
            attachment_form.errors["file"] = attachment_form.error_class(messages_)
            return self.render_invalid(form, attachment_form=attachment_form)
        messages.success(self.request, done)
        if saved:
            return redirect("reports:edit", pk=self.report.pk)
        messages.error(
            self.request, _("Your changes were not saved yet: correct the fields marked below.")
        )
        return self.render_invalid(form)

    def save_draft(self, form) -> bool:
        try:
            services.report_update(
                actor=self.request.user,
                report_id=self.report.pk,
                content=form.content(),
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            add_errors(form, error)
            return False
        except services.WorkflowError as error:
            form.add_error(None, str(error))
            return False
        return True

    def form_valid(self, form):
        submit = "submit" in self.request.POST
        try:
            services.report_update(
                actor=self.request.user,
                report_id=self.report.pk,
                content=form.content(),
                expected_version=form.cleaned_data["version"],
                submit=submit,
            )
        except ValidationError as error:
            add_errors(form, error)
            return self.form_invalid(form)
        except services.WorkflowError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        if submit:
            messages.success(self.request, _("The report was submitted for review."))
            return redirect(self.report)
        messages.success(self.request, _("The draft was saved."))
        return redirect("reports:edit", pk=self.report.pk)

    def form_invalid(self, form):
        if "submit" in self.request.POST:
            messages.error(
                self.request, _("The report was not submitted: correct the fields marked below.")
            )
        return self.render_invalid(form)

    def render_invalid(self, form, **context):
        """The form with everything typed and every error at once: the form's own (figures that
        cannot be read) and the rules' (sums, missing figures), which a save finds by kind."""
        form.add_rule_errors(
            services.report_content_errors(
                report=self.report,
                content=form.partial_content(),
                submit="submit" in self.request.POST,
            )
        )
        return self.render_to_response(self.get_context_data(form=form, **context))


def _whole(text: str) -> int:
    """An id from a form, or a 404."""
    if not (text.isascii() and text.isdigit()):
        raise Http404
    return int(text)


class ReportDetailView(TemplateView):
    request: AuthenticatedHttpRequest
    template_name = "reports/report_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = selectors.report_page_for(
            user=self.request.user, pk=self.kwargs["pk"], version=self.request.GET.get("version")
        )
        context.update(
            page.as_context(),
            decision_form=DecisionForm(initial={"version": page.report.version}),
            reopen_form=ReopenForm(initial={"version": page.report.version}),
        )
        return context


class ReportActionView(View, metaclass=ABCMeta):
    """POST-only transitions: load the report the user may see, call one service, go back.

    Subclasses define `act(report, data)`, which makes that one service call, and a lazy
    `success_message`: a class attribute is made at import, so only a lazy string is translated
    into the language of each request.
    """

    request: AuthenticatedHttpRequest
    form_class: type[forms.Form] | None = None
    success_message: "StrOrPromise" = ""

    def post(self, request, pk):
        report = selectors.report_for(user=request.user, pk=pk)
        form = self.form_class(request.POST) if self.form_class else None
        if form is not None and not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    # An ErrorList yields messages (its __getitem__ unwraps a ValidationError);
                    # the stubs type its items as stored.
                    messages.error(request, error)  # type: ignore[arg-type]
            return redirect(report)
        try:
            self.act(report, form.cleaned_data if form else {})
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except services.WorkflowError as error:
            messages.warning(request, str(error))
        else:
            messages.success(request, self.success_message)
        return redirect(self.redirect_to(report))

    @abstractmethod
    def act(self, report: ActivityReport, data: dict[str, Any]) -> None:
        """Make the one service call of this transition."""

    def redirect_to(self, report):
        return report.get_absolute_url()


class SubmitView(ReportActionView):
    success_message = gettext_lazy("The report was submitted for review.")

    def act(self, report, data):
        services.report_submit(actor=self.request.user, report_id=report.pk)


class WithdrawView(ReportActionView):
    success_message = gettext_lazy("The report is a draft again.")

    def act(self, report, data):
        services.report_withdraw(actor=self.request.user, report_id=report.pk)


class ApproveView(ReportActionView):
    form_class = DecisionForm
    success_message = gettext_lazy("The report was approved.")

    def act(self, report, data):
        decided = services.report_approve(
            reviewer=self.request.user,
            report_id=report.pk,
            expected_version=data["version"],
            comment=data["comment"],
        )
        if decided.status == ActivityReport.Status.APPROVED_LEVEL_1:
            self.success_message = gettext_lazy(
                "The report was approved at level 1 and waits for the central union's acceptance."
            )
        elif decided.approval_levels == 2:
            self.success_message = gettext_lazy("The report was accepted: it is fully approved.")


class ReturnView(ReportActionView):
    form_class = DecisionForm
    success_message = gettext_lazy("The report was returned to its organisation for correction.")

    def act(self, report, data):
        services.report_return(
            reviewer=self.request.user,
            report_id=report.pk,
            expected_version=data["version"],
            comment=data["comment"],
        )


class ReopenView(ReportActionView):
    form_class = ReopenForm
    success_message = gettext_lazy("The report was reopened and returned to its organisation.")

    def act(self, report, data):
        services.report_reopen(
            actor=self.request.user,
            report_id=report.pk,
            reason=data["reason"],
            expected_version=data["version"],
        )


class AttachmentAddView(ReportActionView):
    success_message = gettext_lazy("The file was attached.")

    def post(self, request, pk):
        self.files = request.FILES
        return super().post(request, pk)

    def act(self, report, data):
        form = AttachmentForm(self.request.POST, self.files)
        if not form.is_valid():
            # An ErrorList is a list at runtime; the stubs leave out that base.
            raise ValidationError(form.errors.get("file") or _("Choose a file to attach."))  # type: ignore[arg-type]
        services.attachment_add(
            actor=self.request.user, report_id=report.pk, upload=form.cleaned_data["file"]
        )

    def redirect_to(self, report):
        return reverse("reports:edit", kwargs={"pk": report.pk})


class AttachmentDeleteView(ReportActionView):
    success_message = gettext_lazy("The file was removed.")

    def act(self, report, data):
        attachment = get_object_or_404(report.attachments, pk=self.kwargs["attachment_pk"])
        services.attachment_delete(actor=self.request.user, attachment_id=attachment.pk)

    def post(self, request, pk, **kwargs):  # attachment_pk: act() reads it from self.kwargs
        return super().post(request, pk)

    def redirect_to(self, report):
        return reverse("reports:edit", kwargs={"pk": report.pk})


def attachment_download(request, pk, attachment_pk):
    """The file, always as a download under a name the portal makes, typed by the kind its
    content was found to be when it was checked (never by the uploader's name or a stored
    string): a browser never renders evidence as a page of the portal."""
    report = selectors.report_for(user=request.user, pk=pk)
    attachment = get_object_or_404(report.attachments, pk=attachment_pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing from storage.")) from None
    kind = kind_for_extension(attachment.extension)
    extension, mime = (kind.extension, kind.mime) if kind else (".bin", "application/octet-stream")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"napwps-evidence-{report.pk}-{attachment.pk}{extension}",
        content_type=mime,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


class PeriodListView(LenientPaginationMixin, ListView):
    template_name = "reports/period_list.html"
    context_object_name = "periods"
    paginate_by = 24

    def dispatch(self, request, *args, **kwargs):
        ensure_admin(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        # Started periods only, newest first: a period not yet begun holds no report to stop, and
        # the years of future periods would push the ones to lock onto later pages.
        return (
            ReportingPeriod.objects.started()
            .select_related("locked_by")
            .order_by("-start_date", "kind")
        )


class PeriodLockView(FormView):
    """Lock (or unlock) a period after a confirmation page: one click on the list never does."""

    request: AuthenticatedHttpRequest
    template_name = "reports/period_lock.html"
    form_class = PeriodLockForm

    def dispatch(self, request, *args, **kwargs):
        ensure_admin(request.user)
        self.period = get_object_or_404(ReportingPeriod, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"locked": not self.period.is_locked}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            period=self.period, locking=not self.period.is_locked, **kwargs
        )

    def form_valid(self, form):
        locked = form.cleaned_data["locked"]
        services.period_set_locked(actor=self.request.user, period_id=self.period.pk, locked=locked)
        label = self.period.label
        if locked:
            messages.success(self.request, _("%(period)s is locked.") % {"period": label})
        else:
            messages.success(self.request, _("%(period)s is open again.") % {"period": label})
        return redirect("reports:periods")


class NotificationListView(LenientPaginationMixin, ListView):
    request: AuthenticatedHttpRequest
    template_name = "reports/notification_list.html"
    context_object_name = "notifications"
    paginate_by = 25

    def get_queryset(self):
        return selectors.notifications_for(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        selectors.mark_visible_reports(user=self.request.user, notifications=context["object_list"])
        return context


class NotificationsReadView(View):
    def post(self, request):
        services.notifications_mark_read(actor=request.user)
        return redirect("reports:notifications")


# --- Spreadsheet imports -----------------------------------------------------------------------


def _import_scope_or_403(user) -> QuerySet[Organisation]:
    organisations = selectors.import_organisations_for(user=user)
    if not organisations.exists():
        raise PermissionDenied(_("You do not report for any organisation."))
    return organisations


def _template_form(user, organisations, data=None) -> ImportTemplateForm:
    # Every active programme: which organisations report under it is decided row by row
    # (`Programme.accepts`), as the services decide it.
    programmes = Programme.objects.filter(is_active=True).order_by("code")
    return ImportTemplateForm(
        data,
        organisations=organisations,
        programmes=programmes,
        periods=selectors.open_periods(programmes=programmes),
    )


class ImportView(LenientPaginationMixin, ListView):
    """The import page: the template to download, the upload, and the user's earlier files."""

    request: AuthenticatedHttpRequest
    template_name = "reports/import.html"
    context_object_name = "imports"
    paginate_by = 10
    template_form: ImportTemplateForm | None = None
    upload_form: ImportUploadForm | None = None

    def dispatch(self, request, *args, **kwargs):
        self.organisations = _import_scope_or_403(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.report_imports_for(user=self.request.user).select_related("programme")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["template_form"] = self.template_form or _template_form(
            self.request.user, self.organisations
        )
        context["upload_form"] = self.upload_form or ImportUploadForm()
        return context

    def post(self, request, *args, **kwargs):
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = services.report_import_upload(
                    actor=request.user,
                    upload=form.cleaned_data["file"],
                    submit=form.cleaned_data["submit"],
                )
            except services.WorkflowError as error:
                form.add_error("file", str(error))
            else:
                return redirect(job)
        self.upload_form = form
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(), status=400)


class ImportTemplateView(ImportView):
    """The template for the programme, organisations and periods chosen (a GET form)."""

    def get(self, request, *args, **kwargs):
        form = _template_form(request.user, self.organisations, request.GET)
        if not request.GET.keys() & form.fields.keys():  # no choice made: the import page itself
            return super().get(request, *args, **kwargs)
        if not form.is_valid():
            self.template_form = form
            self.object_list = self.get_queryset()
            return self.render_to_response(self.get_context_data(), status=400)
        programme = form.cleaned_data["programme"]
        buffer = io.BytesIO()
        imports.write_template(
            buffer,
            programme=programme,
            organisations=form.cleaned_data["organisations"],
            periods=sorted(form.cleaned_data["periods"], key=lambda period: period.start_date),
        )
        buffer.seek(0)
        return FileResponse(
            buffer,
            as_attachment=True,
            filename=f"napwps-import-{programme.code}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )

    def post(self, request, *args, **kwargs):
        raise Http404


class ImportDetailView(TemplateView):
    """One upload: its progress while checked or imported, then the dry run's plan and errors,
    or what was imported."""

    request: AuthenticatedHttpRequest
    template_name = "reports/import_detail.html"

    def get_context_data(self, **kwargs):
        job = selectors.report_import_for(user=self.request.user, pk=kwargs["pk"])
        plan = job.plan
        counts = {
            action: sum(1 for row in plan if row.get("action") == action)
            for action in ("create", "update", "unchanged", "empty", "error")
        }
        # A parent chapter's reporter imports drafts they cannot open (drafts stay with their
        # organisation): only the reports the user may see get a link (one query).
        ids = [row["report"] for row in plan if row.get("report")]
        visible = set(
            selectors.reports_visible_to(user=self.request.user)
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )
        return super().get_context_data(
            job=job,
            progress=services.report_import_progress(job),
            counts=counts,
            visible=visible,
            **kwargs,
        )


class ImportConfirmView(View):
    def post(self, request, pk):
        job = selectors.report_import_for(user=request.user, pk=pk)
        try:
            services.report_import_confirm(actor=request.user, import_id=job.pk)
        except services.WorkflowError as error:
            messages.error(request, str(error))
        return redirect(job)


# --- Offline entry -----------------------------------------------------------------------------


def _reporter_only(request) -> None:
    if not request.user.organisation_ids(Membership.Role.REPORTER):
        raise PermissionDenied(_("You do not report for any organisation."))


class OfflineEntryView(TemplateView):
    """The page reporters enter reports on without a connection: drawn in the browser from what
    the device keeps (static/js/offline/), so that the service worker can open it offline."""

    template_name = "reports/offline_entry.html"

    def dispatch(self, request, *args, **kwargs):
        _reporter_only(request)
        return super().dispatch(request, *args, **kwargs)


class NeedsConnectionView(TemplateView):
    """What the service worker shows offline in place of any page but offline entry."""

    template_name = "reports/needs_connection.html"


def offline_data(request):
    """The reporter's offline bundle (see `reports.offline`), and a CSRF token for sending."""
    _reporter_only(request)
    bundle = offline.offline_bundle_for(user=request.user)
    bundle["csrf_token"] = get_token(request)
    return JsonResponse(bundle)


def _change_from(data: Any) -> offline.OfflineChange:
    if not isinstance(data, dict):
        raise ValidationError(_("Send the change as an object."))
    try:
        key = uuid.UUID(str(data.get("key")))
    except ValueError:
        raise ValidationError(_("The change has no valid key.")) from None

    def whole_or_none(name: str) -> int | None:
        value = data.get(name)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValidationError(_("The change is malformed: %(field)s.") % {"field": name})
        return value

    def text(name: str, limit: int) -> str:
        value = data.get(name) or ""
        if not isinstance(value, str):
            raise ValidationError(_("The change is malformed: %(field)s.") % {"field": name})
        return value[:limit]

    if data.get("report") is not None and data.get("base_version") is None:
        # Without the version it was based on, a change could overwrite unseen work.
        raise ValidationError(_("The change does not say which version it was based on."))
    return offline.OfflineChange(
        key=key,
        report_id=whole_or_none("report"),
        base_version=whole_or_none("base_version"),
        title=text("title", 200),
        narrative=text("narrative", 20000),
        commune=text("commune", 120),
        figures=data.get("figures") or {},
        submit=data.get("submit") is True,
        organisation_id=whole_or_none("organisation"),
        programme_code=text("programme", 64),
        period_code=text("period", 16),
    )


@require_POST
def offline_sync(request):
    """Receive one change from a device's offline queue. 200 with the report as saved (also when
    the key was received before), 409 with the server's report beside a conflict, 400 with the
    errors by field when the content breaks a rule."""
    _reporter_only(request)
    try:
        change = _change_from(json.loads(request.body or b"null"))
        applied = offline.offline_change_apply(actor=request.user, change=change)
    except json.JSONDecodeError:
        return JsonResponse({"message": _("The change could not be read.")}, status=400)
    except offline.OfflineConflict as conflict:
        report = conflict.report
        return JsonResponse(
            {
                "message": str(conflict),
                "server": offline.report_json(report, offline.indicator_codes(report)),
            },
            status=409,
        )
    except services.WorkflowError as error:
        return JsonResponse({"message": str(error)}, status=409)
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        return JsonResponse(
            {"message": _("Correct the figures marked."), "errors": errors}, status=400
        )
    except DRFValidationError as error:
        return JsonResponse(
            {"message": _("Correct the figures marked."), "errors": error.detail}, status=400
        )
    report = applied.report
    return JsonResponse(
        {
            "repeated": applied.repeated,
            "submitted": applied.submitted,
            "report": offline.report_json(report, offline.indicator_codes(report)),
        }
    )
