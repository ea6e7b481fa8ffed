"""Vietnamese first: the language is the one the user chose (cookie), else Vietnamese.

Django's LocaleMiddleware would follow the browser's Accept-Language, which on many office
computers in Viet Nam says English; the portal's users work in Vietnamese first, so only an
explicit choice (the switch on every page) changes the language.
"""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django_otp import user_has_device

from portal import audit
from portal.security import client_ip


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        try:
            language = translation.get_supported_language_variant(chosen)
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class AuditContextMiddleware:
    """Makes the client's address available to `portal.audit` and audits refused requests."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = audit.bind_request(client_ip(request), request)
        try:
            return self.get_response(request)
        finally:
            audit.unbind_request(token)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            audit.record(
                audit.Action.ACCESS_DENIED,
                user=request.user,
                object_type="path",
                object_id=request.path[:64],
                detail=request.method,
                outcome=audit.Outcome.DENIED,
            )


LAST_SEEN = "_portal_last_seen"
LOGGED_IN_AT = "_portal_login_at"


class SessionTimeoutMiddleware:
    """Ends a login after SESSION_IDLE_TIMEOUT without a request, or SESSION_COOKIE_AGE after it
    began, whatever the activity. The next page then asks to log in again."""

    # Writing the session on every request would cost a write per page; a minute is precise enough.
    TOUCH_EVERY = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            started = session.setdefault(LOGGED_IN_AT, now)
            last_seen = session.get(LAST_SEEN, now)
            idle = now - last_seen > settings.SESSION_IDLE_TIMEOUT
            expired = now - started > settings.SESSION_COOKIE_AGE
            if idle or expired:
                logout(request)
                messages.info(
                    request,
                    _("You were logged out after %(minutes)s minutes without activity.")
                    % {"minutes": settings.SESSION_IDLE_TIMEOUT // 60}
                    if idle
                    else _("Your login has ended: it lasts %(hours)s hours at most.")
                    % {"hours": settings.SESSION_COOKIE_AGE // 3600},
                )
            elif now - last_seen >= self.TOUCH_EVERY or LAST_SEEN not in session:
                session[LAST_SEEN] = now
        return self.get_response(request)


TWO_FACTOR_ENROLLED = "_portal_2fa_enrolled"


class TwoFactorRequiredMiddleware:
    """Reviewers and admins (and reporters who chose it) verify a second factor before any page
    but the two-factor pages themselves, logout and the language switch."""

    ALLOWED = {
        "two_factor_setup",
        "two_factor_verify",
        "logout",
        "set_language",
        "javascript-catalog",
        "healthz",
        "service-worker",
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and (user.needs_two_factor or request.session.get(TWO_FACTOR_ENROLLED))
            and not self._allowed(request)
        ):
            target = "two_factor_verify" if user_has_device(user) else "two_factor_setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    def _allowed(self, request) -> bool:
        if request.path.startswith(settings.STATIC_URL):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.url_name in self.ALLOWED


class NoStoreMiddleware:
    """Nothing a logged-in user sees (pages, downloads) is kept by a browser or proxy cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            add_never_cache_headers(response)
        return response
