"""Reports through the API: the same selectors as the pages (another organisation's report is a
404) and the same services, validation and messages; errors as JSON with field paths, such as
{"figures": {"PH-01": {"total": ["..."]}}}."""

import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from indicators.models import Donor, Indicator, Pillar, Programme
from portal.api import Conflict, PortalAPIMixin, nest_errors
from portal.models import Province
from portal.selectors import organisations_visible_to
from reports import selectors, services, spending
from reports.figures import FigureInput, inputs_from_figures
from reports.models import ActivityReport, FundingSource, ReportingPeriod, Spending
from reports.spending import SpendingInput

PARTS = {"total": "total", "num": "numerator", "den": "denominator", "na": "not_applicable"}


# --- Figures as JSON ---------------------------------------------------------------------------


def figures_as_json(inputs: dict[int, FigureInput], codes: dict[int, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for indicator_id, data in inputs.items():
        cells: dict[str, dict[str, Any]] = {}
        for (dimension, category), value in data.cells.items():
            cells.setdefault(dimension, {})[category] = value
        for key in data.numerators.keys() | data.denominators.keys():
            cells.setdefault(key[0], {})[key[1]] = {
                "numerator": data.numerators.get(key),
                "denominator": data.denominators.get(key),
            }
        out[codes[indicator_id]] = {
            "not_applicable": data.not_applicable,
            "total": data.total,
            "numerator": data.numerator,
            "denominator": data.denominator,
            "cells": cells,
        }
    return out


def figures_from_json(raw: Any, indicators: list[Indicator]) -> dict[int, FigureInput]:
    """Figures sent by a client, keyed by indicator code; the values go to the services'
    checks as sent (a string or a fraction is refused there, with the form's message)."""
    if not isinstance(raw, dict):
        raise exceptions.ValidationError({"figures": [_("Send the figures as an object.")]})
    by_code = {indicator.code: indicator for indicator in indicators}
    errors: dict[str, Any] = {}
    inputs: dict[int, FigureInput] = {}
    for code, item in raw.items():
        indicator = by_code.get(code)
        if indicator is None:
            errors[code] = [_("This indicator is not part of the report's programme.")]
            continue
        if not isinstance(item, dict):
            errors[code] = [_("Send an indicator's figures as an object.")]
            continue
        unknown = set(item) - {"not_applicable", "total", "numerator", "denominator", "cells"}
        if unknown:
            errors[code] = [
                _("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
            ]
            continue
        data = FigureInput(
            not_applicable=item.get("not_applicable") is True,
            total=item.get("total"),
            numerator=item.get("numerator"),
            denominator=item.get("denominator"),
        )
        cell_errors: dict[str, Any] = {}
        raw_cells = item.get("cells") or {}
        if not isinstance(raw_cells, dict):
            raw_cells = {}
            cell_errors = {"cells": [_("Send the cells as an object.")]}
        for dimension, values in raw_cells.items():
            if dimension not in indicator.disaggregations or not isinstance(values, dict):
                cell_errors.setdefault("cells", {})[dimension] = [
                    _("This indicator is not broken down this way.")
                ]
                continue
            known = {category for category, _label in indicator.categories_of(dimension)}
            for category, value in values.items():
                if category not in known:
                    cell_errors.setdefault("cells", {}).setdefault(dimension, {})[category] = [
                        _("Unknown category.")
                    ]
                elif indicator.is_ratio:
                    # A ratio's cell is {"numerator": n, "denominator": d}.
                    parts = value if isinstance(value, dict) else {}
                    if set(parts) - {"numerator", "denominator"} or not isinstance(value, dict):
                        cell_errors.setdefault("cells", {}).setdefault(dimension, {})[category] = [
                            _("Send a ratio's cell as {numerator, denominator}.")
                        ]
                        continue
                    data.numerators[(dimension, category)] = parts.get("numerator")
                    data.denominators[(dimension, category)] = parts.get("denominator")
                else:
                    data.cells[(dimension, category)] = value
        if cell_errors:
            errors[code] = cell_errors
            continue
        inputs[indicator.pk] = data
    if errors:
        raise exceptions.ValidationError({"figures": errors})
    return inputs


SPENDING_KEY = re.compile(rf"{spending.PREFIX}-(?P<row>\d+)-(?P<part>\w+)")


def errors_as_json(error: DjangoValidationError, indicators: list[Indicator]) -> dict[str, Any]:
    """The services' flat error keys (form field names) as paths in the JSON the client sent."""
    codes = {indicator.code for indicator in indicators}
    flat: dict[str, list[str]] = {}
    for key, messages in error.message_dict.items():
        spending_line = SPENDING_KEY.fullmatch(key)
        if spending_line:  # the form's `spending-<row>-<part>`: spending__<row>__<part>
            flat[f"spending__{spending_line['row']}__{spending_line['part']}"] = messages
            continue
        code, _sep, rest = key.partition("__")
        if code in codes and rest:
            part = PARTS.get(rest)
            if part:
                key = f"figures__{code}__{part}"
            else:  # a cell: dimension__category, and for a ratio's cell __num or __den
                *cell, last = rest.split("__")
                if len(cell) == 2:
                    rest = "__".join([*cell, PARTS.get(last, last)])
                key = f"figures__{code}__cells__{rest}"
        flat[key] = messages
    return nest_errors(flat)


# --- Serializers -------------------------------------------------------------------------------


class ReportSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    programme = serializers.CharField(source="programme.code", read_only=True)
    period = serializers.CharField(source="period.code", read_only=True)
    province = serializers.CharField(source="province.code", read_only=True, default=None)
    pillars = serializers.SerializerMethodField()

    class Meta:
        model = ActivityReport
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "programme",
            "period",
            "province",
            "title",
            "status",
            "version",
            "pillars",
            "created_at",
            "updated_at",
            "submitted_at",
            "reviewed_at",
        ]
        read_only_fields = fields

    def get_pillars(self, report: ActivityReport) -> list[str]:
        return [tag.pillar for tag in report.pillar_tags.all()]


class SpendingSerializer(serializers.ModelSerializer):
    donor = serializers.CharField(source="donor.name", default=None)
    donor_code = serializers.CharField(source="donor.code", default=None)

    class Meta:
        model = Spending
        fields = ["amount", "source", "donor", "donor_code", "pillar"]
        read_only_fields = fields


class SpendingLineSerializer(serializers.Serializer):
    """One spending line as a client writes it; the rules are the report form's
    (`reports.spending.check_spending`), checked by the service."""

    amount = serializers.IntegerField(allow_null=True, help_text="Whole đồng.")
    source = serializers.ChoiceField(choices=FundingSource.choices)
    donor_code = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, help_text="Only for a donor's line."
    )
    pillar = serializers.ChoiceField(choices=Pillar.choices)


class ReportDetailSerializer(ReportSerializer):
    figures = serializers.SerializerMethodField()
    spending = serializers.SerializerMethodField()

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "narrative", "commune", "figures", "spending"]
        read_only_fields = fields

    @extend_schema_field(SpendingSerializer(many=True))
    def get_spending(self, report: ActivityReport) -> Any:
        lines = report.spending.select_related("donor").order_by("pk")
        return SpendingSerializer(lines, many=True).data

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_figures(self, report: ActivityReport) -> dict[str, Any]:
        codes = self.context["indicator_codes"]
        return figures_as_json(inputs_from_figures(report.figures.all()), codes)


class ContentSerializer(serializers.Serializer):
    """What a reporter may write; every field optional on update (the rest is kept)."""

    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    narrative = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    commune = serializers.CharField(required=False, allow_blank=True, max_length=120)
    province = serializers.CharField(required=False, allow_null=True)
    pillars = serializers.ListField(child=serializers.CharField(), required=False)
    figures = serializers.JSONField(required=False)
    spending = SpendingLineSerializer(
        many=True,
        required=False,
        help_text="Every spending line of the report: the lines sent replace the saved ones.",
    )
    submit = serializers.BooleanField(required=False, default=False)


class ReportCreateSerializer(ContentSerializer):
    organisation = serializers.IntegerField()
    programme = serializers.CharField()
    period = serializers.CharField()


class ReportUpdateSerializer(ContentSerializer):
    version = serializers.IntegerField(required=False, help_text="The version you read.")


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, help_text="The version you read.")


class DecisionSerializer(VersionSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class PeriodSerializer(serializers.ModelSerializer):
    code = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)

    class Meta:
        model = ReportingPeriod
        fields = [
            "code",
            "label",
            "kind",
            "year",
            "number",
            "start_date",
            "end_date",
            "deadline_date",
            "is_locked",
        ]


# --- Views -------------------------------------------------------------------------------------


def _province(code: str | None) -> Province | None:
    if not code:
        return None
    province = Province.objects.filter(code=code).first()
    if province is None:
        raise exceptions.ValidationError({"province": [_("Unknown province code.")]})
    return province


def _spending_inputs(lines: list[dict]) -> list[SpendingInput]:
    """The lines sent, as the service takes them; an unknown donor code is an error at its
    line, and nothing is saved."""
    codes = {line["donor_code"] for line in lines if line.get("donor_code")}
    donors = dict(Donor.objects.filter(code__in=codes).values_list("code", "pk"))
    unknown = {
        f"spending__{row}__donor_code": [_("Unknown donor code.")]
        for row, line in enumerate(lines)
        if line.get("donor_code") and line["donor_code"] not in donors
    }
    if unknown:
        raise exceptions.ValidationError(nest_errors(unknown))
    return [
        SpendingInput(
            amount=line["amount"],
            source=line["source"],
            pillar=line["pillar"],
            donor_id=donors.get(line.get("donor_code") or ""),
            row=row,
        )
        for row, line in enumerate(lines)
    ]


class ReportViewSet(
    PortalAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Reports the caller may see: reporters their organisations', reviewers the non-drafts in
    their scope, administrators all. Another organisation's report answers 404."""

    serializer_class = ReportSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema is drawn with nobody asking
            return ActivityReport.objects.none()
        reports = selectors.report_list_for(user=self.request.user)
        params = self.request.query_params
        if params.get("status"):
            reports = reports.filter(status=params["status"])
        if params.get("programme"):
            reports = reports.filter(programme__code=params["programme"])
        if params.get("organisation", "").isdigit():
            reports = reports.filter(organisation_id=int(params["organisation"]))
        if params.get("period"):
            try:
                period = ReportingPeriod.objects.by_code(params["period"])
            except (ValueError, ReportingPeriod.DoesNotExist):
                return reports.none()
            reports = reports.filter(period=period)
        return reports

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, services.WorkflowError):
            exc = Conflict(str(exc))
        return super().handle_exception(exc)

    def _report(self, pk: Any) -> ActivityReport:
        if not str(pk).isdigit():
            raise Http404
        return selectors.report_for(user=self.request.user, pk=int(pk))

    def _detail(self, report: ActivityReport, code: int = status.HTTP_200_OK) -> Response:
        report = self._report(report.pk)
        codes = dict(
            Indicator.objects.filter(programmes=report.programme).values_list("pk", "code")
        )
        serializer = ReportDetailSerializer(report, context={"indicator_codes": codes})
        return Response(serializer.data, status=code)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=ActivityReport.Status.values),
            OpenApiParameter("programme", str, description="Programme code"),
            OpenApiParameter("period", str, description="Period code, e.g. 2026-Q2"),
            OpenApiParameter("organisation", int),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(responses=ReportDetailSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self._report(kwargs["pk"]))

    def _save_content(
        self, report: ActivityReport, data: dict, *, version: int | None
    ) -> ActivityReport:
        """Merge what was sent into the report's content and save it through the service."""
        indicators = list(report.programme.indicators.order_by("code"))
        current = selectors.report_for(user=self.request.user, pk=report.pk)
        figures = inputs_from_figures(current.figures.all())
        if "figures" in data:
            figures.update(figures_from_json(data["figures"], indicators))
        province = _province(data["province"]) if data.get("province") else None
        content = services.ReportContent(
            title=data.get("title", current.title),
            narrative=data.get("narrative", current.narrative),
            commune=data.get("commune", current.commune),
            province_id=province.pk if province else None,
            pillars=data.get(
                "pillars", [tag.pillar for tag in current.pillar_tags.order_by("pillar")]
            ),
            figures=figures,
            spending=_spending_inputs(data["spending"]) if "spending" in data else None,
        )
        try:
            return services.report_update(
                actor=self.request.user,
                report_id=report.pk,
                content=content,
                expected_version=version,
                submit=data.get("submit", False),
            )
        except DjangoValidationError as error:
            raise exceptions.ValidationError(errors_as_json(error, indicators)) from None

    @extend_schema(request=ReportCreateSerializer, responses={201: ReportDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Open a draft (with content and figures, and submit it if `submit` is true)."""
        serializer = ReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organisation = (
            organisations_visible_to(user=request.user).filter(pk=data["organisation"]).first()
        )
        programme = Programme.objects.filter(code=data["programme"], is_active=True).first()
        try:
            period = ReportingPeriod.objects.by_code(data["period"])
        except (ValueError, ReportingPeriod.DoesNotExist):
            period = None
        errors = {}
        if organisation is None:
            errors["organisation"] = [_("Unknown organisation.")]
        if programme is None:
            errors["programme"] = [_("Unknown programme code.")]
        if period is None:
            errors["period"] = [_("Unknown period code.")]
        if organisation is None or programme is None or period is None:
            raise exceptions.ValidationError(errors)
        with transaction.atomic():
            try:
                report = services.report_create(
                    actor=request.user,
                    organisation=organisation,
                    programme=programme,
                    period=period,
                    title=data.get("title", ""),
                    province=_province(data.get("province")),
                )
            except DjangoValidationError as error:
                raise exceptions.ValidationError(nest_errors(error.message_dict)) from None
            if set(data) & {"narrative", "commune", "pillars", "figures", "spending", "submit"}:
                report = self._save_content(report, data, version=None)
        return self._detail(report, status.HTTP_201_CREATED)

    @extend_schema(request=ReportUpdateSerializer, responses=ReportDetailSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change a draft or returned report; fields left out keep their value, figures are
        replaced per indicator sent."""
        report = self._report(kwargs["pk"])
        serializer = ReportUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return self._detail(self._save_content(report, data, version=data.get("version")))

    def _version(self, request: Request) -> tuple[dict, ActivityReport]:
        report = self._report(self.kwargs["pk"])
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data, report

    @extend_schema(request=VersionSerializer, responses=ReportDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        data, report = self._version(request)
        try:
            services.report_submit(
                actor=request.user, report_id=report.pk, expected_version=data.get("version")
            )
        except DjangoValidationError as error:
            indicators = list(report.programme.indicators.all())
            raise exceptions.ValidationError(errors_as_json(error, indicators)) from None
        return self._detail(report)

    @extend_schema(request=VersionSerializer, responses=ReportDetailSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        data, report = self._version(request)
        services.report_withdraw(
            actor=request.user, report_id=report.pk, expected_version=data.get("version")
        )
        return self._detail(report)

    @extend_schema(request=DecisionSerializer, responses=ReportDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        data, report = self._version(request)
        services.report_approve(
            reviewer=request.user,
            report_id=report.pk,
            expected_version=data.get("version"),
            comment=data.get("comment", ""),
        )
        return self._detail(report)

    @extend_schema(request=DecisionSerializer, responses=ReportDetailSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, pk: str) -> Response:
        data, report = self._version(request)
        services.report_return(
            reviewer=request.user,
            report_id=report.pk,
            comment=data.get("comment", ""),
            expected_version=data.get("version"),
        )
        return self._detail(report)


@extend_schema_view(
    retrieve=extend_schema(
        parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH, description="2026-Q2")]
    )
)
class PeriodViewSet(PortalAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Started periods of the kinds programmes report by, most recent first."""

    serializer_class = PeriodSerializer
    lookup_field = "code"

    def get_queryset(self):
        return selectors.periods_in_use()

    def get_object(self) -> ReportingPeriod:
        try:
            period = ReportingPeriod.objects.by_code(self.kwargs["code"])
        except (ValueError, ReportingPeriod.DoesNotExist):
            raise Http404 from None
        if not self.get_queryset().filter(pk=period.pk).exists():
            raise Http404
        return period
