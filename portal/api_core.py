"""What DRF's settings name (loaded while DRF itself loads, so nothing here imports DRF's views):
token authentication, the rate limit, pagination, and errors as JSON with field paths."""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle

from portal.api_tokens import TokenRefused, token_authenticate
from portal.models import ApiToken


class TokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer nap_...` with a personal API token."""

    keywords = (b"bearer", b"token")

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as: Bearer <token>."))
        try:
            return token_authenticate(header[1].decode("ascii", "replace"))
        except TokenRefused as refused:
            raise exceptions.AuthenticationFailed(str(refused)) from None

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "portal.api_core.TokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "nap_… personal API token"}


class ApiRateThrottle(UserRateThrottle):
    """Per user (per address when anonymous), in the default cache (Redis when configured)."""

    scope = "api"

    def get_rate(self) -> str:
        return settings.API_THROTTLE_RATE


class ApiPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def nest_errors(errors: dict[str, list[str]]) -> dict[str, Any]:
    """Flat error keys `a__b__c` as nested objects {"a": {"b": {"c": [...]}}}."""
    nested: dict[str, Any] = {}
    for key, messages in errors.items():
        node = nested
        *path, last = key.split("__")
        for part in path:
            node = node.setdefault(part, {})
        node.setdefault(last, []).extend(str(m) for m in messages)
    return nested


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler, with Django's ValidationError as 400 and field paths."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return Response(nest_errors(exc.message_dict), status=status.HTTP_400_BAD_REQUEST)
        return Response({"detail": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PermissionDenied) and exc.args:
        exc = exceptions.PermissionDenied(str(exc.args[0]))
    from rest_framework.views import exception_handler as drf_exception_handler

    return drf_exception_handler(exc, context)
