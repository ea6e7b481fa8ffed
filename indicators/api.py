"""The catalogue through the API: indicators and programmes (read only)."""

from rest_framework import serializers, viewsets

from indicators.models import Indicator, Programme
from indicators.selectors import indicators_in_catalogue, programmes_in_catalogue
from portal.api import PortalAPIMixin


class IndicatorSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    is_ratio = serializers.BooleanField(read_only=True)
    disaggregations = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "name_vi",
            "name_en",
            "pillar",
            "unit",
            "is_ratio",
            "disaggregations",
        ]


class ProgrammeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    period_kind = serializers.CharField(read_only=True)
    is_national = serializers.BooleanField(read_only=True)
    indicators = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Programme
        fields = [
            "code",
            "name",
            "name_vi",
            "name_en",
            "default_pillar",
            "frequency",
            "period_kind",
            "is_national",
            "indicators",
        ]


class IndicatorViewSet(PortalAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Active indicators, by pillar and code."""

    serializer_class = IndicatorSerializer
    lookup_field = "code"

    def get_queryset(self):
        return indicators_in_catalogue(pillar=self.request.query_params.get("pillar", ""))


class ProgrammeViewSet(PortalAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Active programmes with the codes of their indicators."""

    serializer_class = ProgrammeSerializer
    lookup_field = "code"

    def get_queryset(self):
        return programmes_in_catalogue()
