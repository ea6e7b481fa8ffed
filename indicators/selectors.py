from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from indicators.models import Indicator, Programme, Target


def _targets() -> "Prefetch[str, QuerySet[Target]]":
    return Prefetch("targets", queryset=Target.objects.order_by("kind", "year"))


def indicators_in_catalogue(*, pillar: str = "") -> QuerySet[Indicator]:
    """Active indicators with their targets, ordered by pillar and code."""
    indicators = Indicator.objects.filter(is_active=True).prefetch_related(_targets())
    if pillar:
        indicators = indicators.filter(pillar=pillar)
    return indicators.order_by("pillar", "code")


def programmes_in_catalogue() -> QuerySet[Programme]:
    return (
        Programme.objects.filter(is_active=True)
        .prefetch_related(Prefetch("indicators", queryset=Indicator.objects.order_by("code")))
        .order_by("code")
    )


def indicator_by_code(*, code: str) -> Indicator:
    queryset = Indicator.objects.filter(is_active=True).prefetch_related(
        _targets(),
        Prefetch("programmes", queryset=Programme.objects.filter(is_active=True).order_by("code")),
    )
    return get_object_or_404(queryset, code=code)


def programme_by_code(*, code: str) -> Programme:
    queryset = Programme.objects.filter(is_active=True).prefetch_related(
        Prefetch(
            "indicators",
            queryset=Indicator.objects.filter(is_active=True)
            .prefetch_related(_targets())
            .order_by("pillar", "code"),
        )
    )
    return get_object_or_404(queryset, code=code)
