import pytest
from django.urls import reverse

from indicators.models import Indicator, Pillar


@pytest.fixture
def logged_in(client, reporter):
    client.force_login(reporter)
    return client


def test_the_catalogue_lists_indicators_grouped_by_pillar(logged_in):
    response = logged_in.get(reverse("indicators:catalogue"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "PH-01" in page
    assert "Ngôi nhà Bình yên" in page


def test_the_catalogue_filters_by_pillar(logged_in):
    response = logged_in.get(reverse("indicators:catalogue"), {"pillar": Pillar.PARTICIPATION})

    codes = {i.code for i in response.context["indicators"]}
    assert codes == set(
        Indicator.objects.filter(pillar=Pillar.PARTICIPATION).values_list("code", flat=True)
    )


def test_the_catalogue_uses_a_constant_number_of_queries(logged_in, django_assert_max_num_queries):
    for n in range(60):
        Indicator.objects.create(
            code=f"X-{n:02d}", name_vi=f"Chỉ số {n}", name_en=f"Indicator {n}", pillar="protection"
        )

    with django_assert_max_num_queries(12):
        response = logged_in.get(reverse("indicators:catalogue"))

    assert response.context["page_obj"].paginator.count == Indicator.objects.count()
    assert len(response.context["indicators"]) == 50


def test_an_indicator_page_shows_its_targets_and_source(logged_in):
    response = logged_in.get(reverse("indicators:indicator_detail", args=["PRO-01"]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "28/NQ-CP" in page
    assert "2030" in page


@pytest.mark.parametrize("name", ["indicators:indicator_detail", "indicators:programme_detail"])
def test_an_unknown_code_is_a_404(logged_in, name):
    assert logged_in.get(reverse(name, args=["NOPE-99"])).status_code == 404


def test_a_programme_page_lists_the_indicators_it_asks_for(logged_in):
    response = logged_in.get(reverse("indicators:programme_detail", args=["trusted-address"]))

    assert {i.code for i in response.context["programme"].indicators.all()} == {
        "TA-01",
        "TA-02",
        "PRO-02",
    }


@pytest.mark.django_db
def test_the_catalogue_says_how_a_stock_rolls_up_over_a_year(client, reporter):
    client.force_login(reporter)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    page = client.get(reverse("indicators:indicator_detail", args=["TA-01"])).content.decode()

    assert "Last period with data" in page
