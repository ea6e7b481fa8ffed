"""Releases, their cells and reporting completeness through the API.

A release's cells are what the release published: a part its disclosure control hid is the mark
(`x`) in place of the number, read from the stored flags (`summaries.releases.hidden_parts`),
never decided here."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api import PortalAPIMixin
from reports.models import ReportingPeriod
from summaries import selectors, services
from summaries.completeness import completeness_for
from summaries.disclosure import SECONDARY
from summaries.models import Release, ReleaseCell
from summaries.releases import hidden_parts
from summaries.selectors import releases_for


class ReleaseSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = Release
        fields = [
            "id",
            "label",
            "year",
            "quarter",
            "revision",
            "note",
            "min_cell",
            "published_at",
            "cells",
            "hidden_cells",
        ]


@extend_schema_field(
    {"oneOf": [{"type": "integer"}, {"type": "string", "enum": [SECONDARY]}], "nullable": True}
)
class PublishedNumberField(serializers.Field):
    """A published number, or the mark of a hidden one."""

    def to_representation(self, value: Any) -> Any:
        return value


class ReleaseCellSerializer(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator.code")
    province = serializers.CharField(source="province.code", default=None)
    period = serializers.CharField(source="period_code")
    value = PublishedNumberField(source="*")
    numerator = PublishedNumberField(source="*")
    denominator = PublishedNumberField(source="*")

    class Meta:
        model = ReleaseCell
        fields = [
            "indicator",
            "province",
            "period",
            "dimension",
            "category",
            "value",
            "numerator",
            "denominator",
            "report_count",
            "organisation_count",
            "organisations_expected",
            "provisional",
        ]

    def to_representation(self, cell: ReleaseCell) -> dict[str, Any]:
        data: dict[str, Any] = dict(super().to_representation(cell))
        hidden = self.context["hidden"]
        key = (
            cell.indicator_id,
            cell.province_id or 0,
            cell.period_code,
            cell.dimension,
            cell.category,
        )
        for part in ("value", "numerator", "denominator"):
            number = getattr(cell, part)
            data[part] = SECONDARY if number is not None and (key, part) in hidden else number
        return data


class Dhis2UnmappedSerializer(serializers.Serializer):
    indicators = serializers.ListField(child=serializers.CharField())
    denominators = serializers.ListField(child=serializers.CharField())
    cells = serializers.ListField(child=serializers.CharField())
    places = serializers.ListField(child=serializers.CharField())


class Dhis2ExportSerializer(serializers.Serializer):
    """What a release sends to DHIS2 with the current mapping, and what it leaves out."""

    values = serializers.IntegerField(help_text="Data values the export holds")
    suppressed = serializers.IntegerField(help_text="Published parts left out: hidden")
    skipped = serializers.IntegerField(help_text="Published parts left out: not mapped")
    unmapped = Dhis2UnmappedSerializer()


class DataValueSerializer(serializers.Serializer):
    dataElement = serializers.CharField()
    period = serializers.CharField(help_text="DHIS2 period id: 2026Q2, 202603 or 2026")
    orgUnit = serializers.CharField()
    categoryOptionCombo = serializers.CharField()
    value = serializers.CharField()


class DataValueSetSerializer(serializers.Serializer):
    dataValues = DataValueSerializer(many=True)


class Dhis2ExportActions:
    """The DHIS2 export of a release (administrators only; others 403)."""

    @extend_schema(responses=Dhis2ExportSerializer)
    @action(detail=True, methods=["get"], url_path="dhis2")  # type: ignore[untyped-decorator]
    def dhis2(self, request: Request, pk: str) -> Response:
        """What the release sends to DHIS2 with the current mapping; what is hidden or not
        mapped is counted and listed, never sent."""
        export = selectors.dhis2_export_for(user=request.user, release_id=_release_id(pk))
        return Response(
            {
                "values": len(export.values),
                "suppressed": export.suppressed,
                "skipped": export.skipped,
                "unmapped": export.unmapped.as_dict(),
            }
        )

    @extend_schema(
        responses={200: DataValueSetSerializer, 409: OpenApiTypes.OBJECT},
        description="The release as a DHIS2 dataValueSets payload (POST it to /api/dataValueSets).",
    )
    @action(  # type: ignore[untyped-decorator]
        detail=True, methods=["get"], url_path="dhis2/data-values"
    )
    def dhis2_data_values(self, request: Request, pk: str) -> HttpResponse | Response:
        return _dhis2_file(request, pk, "json")

    @extend_schema(
        responses={(200, "application/adx+xml"): OpenApiTypes.STR, 409: OpenApiTypes.OBJECT},
        description="The release as an ADX message, valid against the ADX schema.",
    )
    @action(detail=True, methods=["get"], url_path="dhis2/adx")  # type: ignore[untyped-decorator]
    def dhis2_adx(self, request: Request, pk: str) -> HttpResponse | Response:
        return _dhis2_file(request, pk, "adx")


def _release_id(pk: str) -> int:
    try:
        return int(pk)
    except ValueError:
        raise Http404 from None


def _dhis2_file(request: Request, pk: str, file_format: str) -> HttpResponse | Response:
    try:
        found = services.dhis2_export_file(
            actor=request.user, release_id=_release_id(pk), file_format=file_format
        )
    except services.Dhis2ExportError as error:
        return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
    response = HttpResponse(found.content, content_type=found.content_type)
    response["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    return response


class ReleaseViewSet(Dhis2ExportActions, PortalAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Every release and revision, newest first: published figures are for every reader."""

    serializer_class = ReleaseSerializer

    def get_queryset(self) -> QuerySet[Release]:
        return releases_for(user=self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter("indicator", str, description="Indicator code"),
            OpenApiParameter("province", str, description="Province code; 'national' for none"),
            OpenApiParameter("period", str, description="Period code, e.g. 2026-Q2 or 2026"),
        ],
        responses=ReleaseCellSerializer(many=True),
    )
    @action(detail=True, methods=["get"])  # type: ignore[untyped-decorator]  # DRF is untyped
    def cells(self, request: Request, pk: str) -> Response:
        """The release's cells as published: hidden parts carry the mark `x`."""
        release = self.get_object()
        cells = (
            ReleaseCell.objects.filter(release=release)
            .select_related("indicator", "province")
            .order_by(
                "indicator__code", "province__code", "period_code", "dimension", "category", "pk"
            )
        )
        params = request.query_params
        if params.get("indicator"):
            cells = cells.filter(indicator__code=params["indicator"])
        if params.get("province") == "national":
            cells = cells.filter(province__isnull=True)
        elif params.get("province"):
            cells = cells.filter(province__code=params["province"])
        if params.get("period"):
            cells = cells.filter(period_code=params["period"])
        page = self.paginate_queryset(cells)
        rows = list(page if page is not None else cells)
        serializer = ReleaseCellSerializer(rows, many=True, context={"hidden": hidden_parts(rows)})
        return self.get_paginated_response(serializer.data)


class CompletenessView(PortalAPIMixin, APIView):
    """Reporting completeness of a period in the caller's provinces (all for administrators):
    expected, reported, on time, and each expected report's status."""

    @extend_schema(
        parameters=[OpenApiParameter("period", str, required=True, description="e.g. 2026-Q2")],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        try:
            period = ReportingPeriod.objects.by_code(request.query_params.get("period", ""))
        except (ValueError, ReportingPeriod.DoesNotExist):
            raise Http404 from None
        provinces = completeness_for(user=request.user, period=period)
        return Response(
            {
                "period": period.code,
                "deadline_date": period.deadline_date,
                "provinces": [
                    {
                        "province": entry.province_code or None,
                        "expected": entry.expected,
                        "reported": entry.reported,
                        "on_time": entry.on_time,
                        "reporting_rate": entry.reporting_rate,
                        "on_time_rate": entry.on_time_rate,
                        "items": [
                            {
                                "organisation": item.organisation.pk,
                                "programme": item.programme.code,
                                "status": item.status,
                            }
                            for item in entry.items
                        ],
                    }
                    for entry in provinces
                ],
            }
        )
