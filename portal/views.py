from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import ListView, View

from portal import api_tokens, audit, services
from portal.filters import AuditFilter
from portal.forms import ApiTokenForm, PreferencesForm
from portal.health import broker_check, database_check
from portal.models import User
from portal.pagination import LenientPaginationMixin
from portal.selectors import audit_events_for
from portal.spreadsheets import csv_stream, in_current_language


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """Database and broker state as JSON; 200 only when both answer. When one does not,
    `failing` names it and `checks` gives the error's class and its innermost cause."""
    checks = {"database": database_check(), "broker": broker_check()}
    failing = [name for name, check in checks.items() if not check.healthy]
    body: dict = {
        "status": "error" if failing else "ok",
        **{name: check.summary for name, check in checks.items()},
    }
    if failing:
        body["failing"] = failing
        body["checks"] = {name: check.as_dict() for name, check in checks.items()}
    return JsonResponse(body, status=503 if failing else 200)


def locked_out(request, original_response=None, credentials=None):
    """What django-axes shows a locked-out login: a translated page, status 429. It says whether
    the e-mail and address pair is locked, or the whole address (too many failures across
    e-mails: `portal.security.AddressLimitedAxesHandler`)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {
        "cooloff_minutes": minutes,
        "address_locked": getattr(request, "axes_address_locked", False),
    }
    return render(request, "registration/locked_out.html", context, status=429)


def _audit_events(request) -> AuditFilter:
    return AuditFilter(request.GET or None, queryset=audit_events_for(user=request.user))


class AuditLogView(LenientPaginationMixin, ListView):
    """The audit log for admins: filter by action, outcome, e-mail and dates; download as CSV."""

    template_name = "portal/audit_list.html"
    context_object_name = "events"
    paginate_by = 50

    def get_queryset(self):
        self.filterset = _audit_events(self.request)
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            filter=self.filterset, query_string=query.urlencode(), zone=zone_label(), **kwargs
        )


def zone_label() -> str:
    """The offset of the portal's clock (TIME_ZONE, Viet Nam) as readers write it: UTC+07:00."""
    offset = timezone.localtime().strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"


AUDIT_COLUMNS = {
    "at": _("Time (%(zone)s)"),
    "action": _("Action"),
    "outcome": _("Outcome"),
    "user": _("E-mail"),
    "organisation": _("Organisation"),
    "object_type": _("Object type"),
    "object_id": _("Object id"),
    "detail": _("Detail"),
    "ip_address": _("Source address"),
}


def _audit_header() -> list[str]:
    return [
        str(label) % {"zone": zone_label()} if key == "at" else str(label)
        for key, label in AUDIT_COLUMNS.items()
    ]


@require_GET
def audit_log_download(request):
    filterset = _audit_events(request)
    if filterset.is_bound and not filterset.is_valid():
        return redirect("audit_log")
    audit.record(audit.Action.AUDIT_DOWNLOAD, user=request.user, detail="csv")
    rows = (
        [
            # The page's local time, with its offset: unambiguous wherever the file is read.
            timezone.localtime(event.at).isoformat(timespec="seconds"),
            event.action,
            event.outcome,
            event.username,
            event.organisation.name if event.organisation else "",
            event.object_type,
            event.object_id,
            event.detail,
            event.ip_address or "",
        ]
        for event in filterset.qs.iterator(chunk_size=2000)
    )
    response = StreamingHttpResponse(
        in_current_language(csv_stream(_audit_header(), rows)),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="napwps-audit-{stamp}.csv"'
    return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view: it saves the new password and gives this session a new key. The user's
    other sessions end; this one stays, recorded under its new key."""

    def form_valid(self, form):
        session_key = self.request.session.session_key
        response = super().form_valid(form)
        services.password_changed(
            actor=form.user,
            user=form.user,
            keep_session_key=session_key,
            renewed_session_key=self.request.session.session_key,
        )
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view: it saves the new password. Every session of the user then ends."""

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(actor=None, user=form.user)
        return response


class ApiTokenView(View):
    """The user's personal API tokens: make one (shown once, on this response only), revoke one.
    An administrator may make a token for another user by e-mail."""

    template_name = "portal/api_tokens.html"

    def _render(self, request, form, issued=None):
        return render(
            request,
            self.template_name,
            {"form": form, "tokens": api_tokens.tokens_of(user=request.user), "issued": issued},
        )

    def get(self, request):
        return self._render(request, ApiTokenForm(for_admin=request.user.is_portal_admin))

    def post(self, request):
        form = ApiTokenForm(request.POST, for_admin=request.user.is_portal_admin)
        if not form.is_valid():
            return self._render(request, form)
        user = request.user
        email = form.cleaned_data.get("email")
        if email:
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                form.add_error("email", _("No user has this e-mail address."))
                return self._render(request, form)
        try:
            issued = api_tokens.token_create(
                actor=request.user,
                user=user,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
                verified=request.user.is_verified(),
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
            return self._render(request, form)
        return self._render(request, ApiTokenForm(for_admin=request.user.is_portal_admin), issued)


class ApiTokenRevokeView(View):
    def post(self, request, pk: int):
        token = get_object_or_404(api_tokens.tokens_of(user=request.user), pk=pk)
        api_tokens.token_revoke(actor=request.user, token_id=token.pk)
        messages.success(request, _("The token has been revoked."))
        return redirect("api_tokens")


class AccountView(View):
    """The user's own account: who they are, their roles, and their preferences."""

    template_name = "portal/account.html"

    def _render(self, request, form):
        return render(
            request,
            self.template_name,
            {"form": form, "memberships": request.user.membership_list},
        )

    def get(self, request):
        return self._render(
            request, PreferencesForm(initial={"email_reminders": request.user.email_reminders})
        )

    def post(self, request):
        form = PreferencesForm(request.POST)
        if not form.is_valid():
            return self._render(request, form)
        services.user_set_email_reminders(
            actor=request.user, enabled=form.cleaned_data["email_reminders"]
        )
        messages.success(request, _("Your preferences are saved."))
        return redirect("account")
