"""The REST API's shared view behaviour (`PortalAPIMixin`, which every layer's API views build on)
and the organisations endpoint. The router lives in config/urls.py."""

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.utils import translation
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api_core import Conflict, nest_errors
from portal.api_tokens import record_write
from portal.models import ApiToken, Organisation
from portal.selectors import organisations_visible_to

__all__ = ["Conflict", "OrganisationViewSet", "PortalAPIMixin", "nest_errors"]


class PortalAPIMixin:
    """What every API view shares: the portal's login rule waived (DRF authenticates), the
    client's language (Accept-Language; Vietnamese by default), and an audit row per write made
    with a token."""

    @classmethod
    def as_view(cls, *args: Any, **kwargs: Any) -> Any:
        return login_not_required(super().as_view(*args, **kwargs))  # type: ignore[misc]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        translation.activate(translation.get_language_from_request(request._request))
        request._request.LANGUAGE_CODE = translation.get_language()
        super().initial(request, *args, **kwargs)  # type: ignore[misc]

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        auth = getattr(request, "_auth", None)
        if isinstance(auth, ApiToken) and request.method not in ("GET", "HEAD", "OPTIONS"):
            record_write(
                user=request.user,
                token=auth,
                method=request.method or "",
                path=request.path,
                status=response.status_code,
            )
        response["Content-Language"] = translation.get_language()
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]


class OrganisationSerializer(serializers.ModelSerializer):
    province = serializers.CharField(source="province.code", allow_null=True, default=None)
    parent = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "name", "short_name", "kind", "province", "parent"]


class OrganisationViewSet(PortalAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Organisations the caller works for or reviews (all of them for administrators)."""

    serializer_class = OrganisationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema is drawn with nobody asking
            return Organisation.objects.none()
        return organisations_visible_to(user=self.request.user)
