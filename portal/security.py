"""Small pieces of the portal's protection shared by settings, middleware and signals."""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum


def client_ip(request) -> str:
    """The client's address, as far as this deployment can trust it.

    With no proxy in front (TRUSTED_PROXY_COUNT=0) it is the socket's peer, REMOTE_ADDR; any
    X-Forwarded-For the client sends is ignored. Behind N trusted proxies, each appends the
    address it saw to X-Forwarded-For, so the N-th entry from the right is the one the outermost
    trusted proxy saw; entries further left were written by the client and are never used.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < count:
        return remote
    return forwarded[-count]


def login_username(request, credentials) -> str:
    """The e-mail address as the login form reads it (trimmed, lower case), for lockouts."""
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(raw).strip().lower()


class AddressLimitedAxesHandler(AxesDatabaseHandler):
    """django-axes' database handler, plus a limit on failures from one address across e-mails.

    axes locks each (e-mail, address) pair after AXES_FAILURE_LIMIT failures, so one address may
    try a few passwords on every account there is (password spraying). axes can lock by several
    parameter combinations, but compares all of them with one limit (the largest count against
    AXES_FAILURE_LIMIT), and a successful login would then clear every failure of its address,
    so an attacker could reset the count with an account of their own. This handler keeps axes'
    rule for the pair and adds its own count per address: the failures of every e-mail from the
    address within the cool-off, against LOGIN_ADDRESS_FAILURE_LIMIT. axes already stores one row
    per (e-mail, address) with its failure count, so the count is a sum over those rows; a success
    clears only its own pair's row.
    """

    def address_failures(self, request) -> int:
        attempts = AccessAttempt.objects.filter(ip_address=request.axes_ip_address)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0

    def address_locked(self, request) -> bool:
        locked = self.address_failures(request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT
        if locked:
            request.axes_address_locked = True  # the locked-out page says why
        return locked

    def is_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials) or self.address_locked(request)

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return  # locked already (pair or address), and axes has said so
        if self.is_whitelisted(request, credentials) or not self.address_locked(request):
            return
        # This failure reached the address limit: lock as axes does when the pair reaches its own.
        request.axes_locked_out = True
        request.axes_credentials = credentials
        user_locked_out.send(
            "axes",
            request=request,
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
        )
