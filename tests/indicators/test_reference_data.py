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


def test_every_catalogue_row_declares_a_valid_disaggregation():
    import csv

    from indicators import disaggregation
    from indicators.reference_data import FIXTURES

    with (FIXTURES / "nap_indicators.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))

    for row in rows:
        declared = disaggregation.parse(row["disaggregations"])  # raises when invalid
        assert disaggregation.parse(disaggregation.unparse(declared)) == declared, row["code"]
    cr01 = next(row for row in rows if row["code"] == "CR-01")
    assert disaggregation.parse(cr01["disaggregations"]) == {
        "sex": ["female"],
        "age": ["18-24", "25-49", "50-59", "60+", "unknown"],
        "disability": ["yes", "no", "unknown"],
    }


@pytest.mark.django_db
def test_the_loaded_catalogue_follows_the_csv_declarations():
    cr01 = Indicator.objects.get(code="CR-01")
    pro01 = Indicator.objects.get(code="PRO-01")

    assert cr01.disaggregations == ["age", "disability"]  # sex is a restriction, not a breakdown
    assert [str(label) for _d, label in cr01.restrictions] and cr01.restrictions[0][1]
    assert pro01.is_ratio and pro01.disaggregations == ["sex", "age", "disability"]
