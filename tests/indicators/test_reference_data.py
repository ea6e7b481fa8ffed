from decimal import Decimal

import pytest

from indicators.models import Indicator, Programme, Target
from portal.models import LegacyProvince, Province


@pytest.mark.django_db
def test_the_34_provinces_and_the_63_they_replaced_are_loaded():
    assert Province.objects.count() == 34
    assert LegacyProvince.objects.count() == 63
    assert LegacyProvince.objects.get(code="82").successor.code == "82"
    assert LegacyProvince.objects.get(code="87").successor.short_name_vi == "Đồng Tháp"
    assert Province.objects.get(code="22").division_type == "thành phố trung ương"


@pytest.mark.django_db
def test_the_catalogue_keeps_sources_targets_and_qualifiers():
    pro05 = Indicator.objects.get(code="PRO-05")
    target = Target.objects.get(indicator=pro05, kind="target", year=2025)

    assert target.qualifier == ">="
    assert target.value == Decimal("50")
    assert "2232" in pro05.source
    assert pro05.aggregation == Indicator.Aggregation.RATIO
    assert Indicator.objects.get(code="PH-01").disaggregations == ["sex", "age", "disability"]
    assert Target.objects.get(indicator__code="PH-01", kind="baseline").year == 2020


@pytest.mark.django_db
def test_every_programme_asks_for_indicators_from_the_catalogue():
    peace_house = Programme.objects.get(code="peace-house")

    assert set(peace_house.indicators.values_list("code", flat=True)) >= {"PH-01", "PH-05"}
    assert Programme.objects.count() == 5
