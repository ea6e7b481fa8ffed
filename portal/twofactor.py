"""Two-factor authentication pages: set up an authenticator app, verify a code, backup codes.

Built on django-otp: a TOTP device (RFC 6238, any authenticator app) and a static device holding
ten single-use backup codes. A TOTP code is refused a second time (the device remembers the last
time step it accepted) and the device throttles repeated failures. A session that has not passed
the user's device (a stolen password) neither replaces it nor makes backup codes; setting one up
ends the user's other sessions.
"""

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from portal import services
from portal.forms import TokenForm
from portal.http import AuthenticatedHttpRequest
from portal.middleware import TWO_FACTOR_ENROLLED

SESSION_NEW_CODES = "_portal_new_backup_codes"


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def _with_next(view_name: str, next_url: str) -> str:
    """The page's address carrying `next` encoded: a deep link's own `&` and `?` stay in it."""
    return f"{reverse(view_name)}?{urlencode({'next': next_url})}"


SESSION_NEW_KEY = "_portal_totp_key"


def _verified(request) -> bool:
    """Whether this session has passed one of the user's devices (django-otp's middleware gives
    the request's user `is_verified`)."""
    return bool(request.user.is_verified())


class SetupView(FormView):
    """Scan a QR code (or type the key), then prove it works with a first code.

    The key lives in the session until a code confirms it, so showing the page writes nothing.
    """

    request: AuthenticatedHttpRequest
    template_name = "registration/two_factor_setup.html"
    form_class = TokenForm

    def dispatch(self, request, *args, **kwargs):
        if user_has_device(request.user) and not request.user.is_verified():
            return redirect(f"{reverse('two_factor_verify')}?{request.GET.urlencode()}")
        return super().dispatch(request, *args, **kwargs)

    def pending_device(self) -> TOTPDevice:
        key = self.request.session.get(SESSION_NEW_KEY)
        if not key:
            key = self.request.session[SESSION_NEW_KEY] = random_hex(20)
        return TOTPDevice(user=self.request.user, name="authenticator", key=key, confirmed=False)

    def get_context_data(self, **kwargs):
        device = self.pending_device()
        return super().get_context_data(
            qr_svg=segno.make(device.config_url, error="m").svg_inline(scale=5, border=2),
            secret=_base32(device.bin_key),
            enrolled=user_has_device(self.request.user),
            next=self.request.GET.get("next", ""),
            **kwargs,
        )

    def form_valid(self, form):
        enrolled = services.two_factor_enrol(
            user=self.request.user,
            key=self.pending_device().key,
            token=form.cleaned_data["token"],
            session_verified=_verified(self.request),
            keep_session_key=self.request.session.session_key,
        )
        if enrolled is None:
            form.add_error("token", _("That code is not right. Check the time on your phone."))
            return self.form_invalid(form)
        device, codes = enrolled
        otp_login(self.request, device)
        del self.request.session[SESSION_NEW_KEY]
        self.request.session[TWO_FACTOR_ENROLLED] = True
        self.request.session[SESSION_NEW_CODES] = codes
        messages.success(self.request, _("Two-factor authentication is on for your account."))
        return redirect(_with_next("two_factor_backup_codes", _next_url(self.request, "home")))


def _base32(key: bytes) -> str:
    """The key as authenticator apps ask for it when typed: base32, in groups of four."""
    text = b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


class VerifyView(FormView):
    """After the password: a code from the app or a backup code."""

    request: AuthenticatedHttpRequest
    template_name = "registration/two_factor_verify.html"
    form_class = TokenForm

    def dispatch(self, request, *args, **kwargs):
        if not user_has_device(request.user):
            return redirect(f"{reverse('two_factor_setup')}?{request.GET.urlencode()}")
        if request.user.is_verified():
            return redirect(_next_url(request, "home"))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=self.request.GET.get("next", ""), **kwargs)

    def form_valid(self, form):
        device = services.two_factor_check(user=self.request.user, token=form.cleaned_data["token"])
        if device is None:
            form.add_error(
                "token",
                _("That code is not right, or it was already used. Wait for the next code."),
            )
            return self.form_invalid(form)
        otp_login(self.request, device)
        if isinstance(device, StaticDevice):
            left = device.token_set.count()
            messages.warning(
                self.request,
                _("You used a backup code; %(left)s are left. Make new ones on this page.")
                % {"left": left},
            )
            return redirect(_with_next("two_factor_backup_codes", _next_url(self.request, "home")))
        return redirect(_next_url(self.request, "home"))


class BackupCodesView(TemplateView):
    """Shows new backup codes once, and makes a new set on request (old ones stop working)."""

    template_name = "registration/two_factor_backup_codes.html"

    def dispatch(self, request, *args, **kwargs):
        # A session that has not passed the second factor (one opened before it was set up)
        # neither reads how many codes are left nor makes new ones.
        if not request.user.is_verified():
            return redirect(f"{reverse('two_factor_verify')}?{request.GET.urlencode()}")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        device = StaticDevice.objects.filter(user=self.request.user, name="backup").first()
        return super().get_context_data(
            codes=self.request.session.pop(SESSION_NEW_CODES, None),
            remaining=device.token_set.count() if device else 0,
            next=_next_url(self.request, "home"),
            **kwargs,
        )

    def post(self, request):
        self.request.session[SESSION_NEW_CODES] = services.backup_codes_renew(
            user=request.user, session_verified=_verified(request)
        )
        messages.success(request, _("New backup codes made; the old ones no longer work."))
        return redirect("two_factor_backup_codes")
