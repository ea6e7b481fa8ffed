"""Disaggregation per indicator: the declaration, the form it draws, the checks it drives, the
admin that edits it and the way stored figures follow it."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse

from indicators import disaggregation
from indicators.models import Indicator
from reports import services
from reports.disaggregation import conform_figures
from reports.figures import FigureInput, field_name
from reports.forms import ReportForm
from reports.models import Figure, StaleSummary
from tests import factories

pytestmark = pytest.mark.django_db

CHILD_BANDS = ["0-5", "6-11", "12-15", "16-17"]


def edit_form(report, data=None):
    indicators = list(report.programme.indicators.order_by("code"))
    return ReportForm(data, report=report, indicators=indicators)


def test_the_form_of_cr01_has_no_male_or_child_cells(client):
    report = factories.draft_report(programme_code="climate-resilience")
    cr01 = Indicator.objects.get(code="CR-01")

    names = set(edit_form(report).fields)
    client.force_login(report.created_by)
    page = client.get(reverse("reports:edit", args=[report.pk])).content.decode()

    assert not {name for name in names if name.startswith("CR-01__sex")}
    for band in CHILD_BANDS:
        assert field_name(cr01, "age", band) not in names
        assert f'name="{field_name(cr01, "age", band)}"' not in page
    for band in ["18-24", "25-49", "50-59", "60+", "unknown"]:
        assert field_name(cr01, "age", band) in names
    assert 'name="CR-01__sex__male"' not in page
    assert 'name="CR-01__age__18-24"' in page
    assert {field_name(cr01, "disability", c) for c in ("yes", "no", "unknown")} <= names


def ratio_figures(report, cells: dict[str, tuple[int, int]], total=(5, 8)):
    """Figures of the peace-house programme that pass, with PRO-01's sex cells as given (the
    rest of PRO-01's breakdowns all "not recorded")."""
    figures = factories.complete_figures(report)
    pro01 = Indicator.objects.get(code="PRO-01")
    numerators, denominators = {}, {}
    for dimension in pro01.disaggregations:
        for category, _label in pro01.categories_of(dimension):
            numerators[(dimension, category)] = denominators[(dimension, category)] = 0
        not_recorded = disaggregation.NOT_RECORDED[dimension]
        numerators[(dimension, not_recorded)], denominators[(dimension, not_recorded)] = total
    for category in ("female", "male", "other"):
        numerators[("sex", category)], denominators[("sex", category)] = cells.get(category, (0, 0))
    figures[pro01.pk] = FigureInput(
        numerator=total[0],
        denominator=total[1],
        numerators=numerators,
        denominators=denominators,
    )
    return pro01, figures


def submit(report, figures):
    services.report_update(
        actor=report.created_by,
        report_id=report.pk,
        content=services.ReportContent(title="t", figures=figures),
        submit=True,
    )


def test_a_ratio_cell_numerator_never_exceeds_its_denominator():
    report = factories.draft_report(programme_code="peace-house")
    pro01, figures = ratio_figures(report, {"female": (4, 3), "male": (1, 5)})

    with pytest.raises(ValidationError) as refused:
        submit(report, figures)

    errors = refused.value.message_dict
    assert list(errors) == [field_name(pro01, "sex", "female", "num")]
    assert not Figure.objects.filter(report=report).exists()


def test_a_ratio_breakdown_adds_up_to_the_numerator_and_the_denominator():
    report = factories.draft_report(programme_code="peace-house")
    pro01, figures = ratio_figures(report, {"female": (3, 4), "male": (1, 3)})  # 4/7, not 5/8

    with pytest.raises(ValidationError) as refused:
        submit(report, figures)

    errors = refused.value.message_dict
    assert field_name(pro01, "sex", "female", "num") in errors
    assert field_name(pro01, "sex", "female", "den") in errors


def test_a_disaggregated_ratio_is_stored_cell_by_cell():
    report = factories.draft_report(programme_code="peace-house")
    pro01, figures = ratio_figures(report, {"female": (4, 6), "male": (1, 2)})

    submit(report, figures)

    stored = {
        (f.dimension, f.category): (f.numerator, f.denominator)
        for f in Figure.objects.filter(report=report, indicator=pro01)
    }
    assert stored[("total", "")] == (5, 8)
    assert stored[("sex", "female")] == (4, 6)
    assert stored[("sex", "male")] == (1, 2)
    assert stored[("age", "unknown")] == (5, 8)
    assert all(
        d == "total" or c in pro01.disaggregation[d] for d, c in stored
    )  # only declared cells


def test_the_edit_form_reads_a_ratio_breakdown_and_checks_it():
    report = factories.draft_report(programme_code="peace-house")
    pro01, figures = ratio_figures(report, {"female": (4, 6), "male": (1, 2)})
    data = {"title": "t", "version": report.version, "province": report.province_id}
    for indicator in report.programme.indicators.all():
        figure = figures[indicator.pk]
        data[field_name(indicator, "num")] = figure.numerator
        data[field_name(indicator, "den")] = figure.denominator
        data[field_name(indicator, "total")] = figure.total
        for (dimension, category), value in figure.cells.items():
            data[field_name(indicator, dimension, category)] = value
        for (dimension, category), value in figure.numerators.items():
            data[field_name(indicator, dimension, category, "num")] = value
        for (dimension, category), value in figure.denominators.items():
            data[field_name(indicator, dimension, category, "den")] = value
    data[field_name(pro01, "sex", "male", "num")] = "3"  # 3 of 2

    form = edit_form(report, {k: "" if v is None else str(v) for k, v in data.items()})

    assert form.is_valid(), form.errors
    read = form.figure_inputs()[pro01.pk]
    assert read.numerators[("sex", "male")] == 3 and read.denominators[("sex", "male")] == 2
    errors = services.report_content_errors(report=report, content=form.content(), submit=True)
    assert field_name(pro01, "sex", "male", "num") in errors


@pytest.mark.parametrize(
    ("declaration", "code"),
    [
        ({"age": ["18-24", "25-49"]}, "not_recorded_missing"),  # nowhere for the unknown
        ({"sex": ["other"]}, "not_recorded_alone"),
        ({"sex": ["woman"]}, "unknown_category"),
        ({"colour": ["red"]}, "unknown_dimension"),
    ],
)
def test_an_invalid_declaration_is_refused(declaration, code):
    with pytest.raises(ValidationError) as refused:
        disaggregation.normalise(declaration)

    assert [error.code for error in refused.value.error_list] == [code]


def test_the_catalogue_csv_notation_reads_back():
    declared = disaggregation.parse("sex:female age:18-24,unknown,25-49 disability")

    assert declared == {
        "sex": ["female"],
        "age": ["18-24", "25-49", "unknown"],
        "disability": ["yes", "no", "unknown"],
    }
    assert disaggregation.parse(disaggregation.unparse(declared)) == declared
    assert disaggregation.breakdown_dimensions(declared) == ["age", "disability"]


def admin_client(client):
    user = factories.admin_user()
    user.user_permissions.set(Permission.objects.filter(codename__endswith="_indicator"))
    client.force_login(user)
    return client


def admin_post(client, indicator, **declared):
    data = {
        "code": indicator.code,
        "name_vi": indicator.name_vi,
        "name_en": indicator.name_en,
        "pillar": indicator.pillar,
        "unit": indicator.unit,
        "aggregation": indicator.aggregation,
        "time_rule": indicator.time_rule,
        "target_reading": indicator.target_reading,
        "source": indicator.source,
        "evidence": indicator.evidence,
        "is_active": "on",
        "targets-TOTAL_FORMS": "0",
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
    }
    for dimension, categories in declared.items():
        data[f"disaggregation_{dimension}"] = categories
    return client.post(reverse("admin:indicators_indicator_change", args=[indicator.pk]), data)


def test_the_admin_refuses_an_invalid_declaration_and_changes_nothing(client):
    indicator = Indicator.objects.get(code="CR-01")
    before = dict(indicator.disaggregation)
    targets = indicator.targets.count()
    assert targets == 0  # CR-01 has no target: the inline stays empty

    response = admin_post(admin_client(client), indicator, age=["18-24", "25-49"])

    assert response.status_code == 200
    assert "disaggregation_age" in response.context["adminform"].form.errors
    indicator.refresh_from_db()
    assert indicator.disaggregation == before


def test_the_admin_refuses_to_drop_a_category_that_holds_figures(client):
    report = factories.submitted_report(programme_code="climate-resilience")
    indicator = Indicator.objects.get(code="CR-01")
    assert Figure.objects.filter(report=report, indicator=indicator, category="18-24").exists()

    response = admin_post(
        admin_client(client),
        indicator,
        sex=["female"],
        age=["25-49", "50-59", "60+", "unknown"],
        disability=["yes", "no", "unknown"],
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["disaggregation_age"]
    assert "18-24" in " ".join(errors)
    indicator.refresh_from_db()
    assert "18-24" in indicator.disaggregation["age"]


def test_a_breakdown_added_in_the_admin_starts_as_not_recorded(client):
    report = factories.submitted_report(programme_code="trusted-address")
    indicator = Indicator.objects.get(code="TA-01")  # a count, not broken down
    total = Figure.objects.get(report=report, indicator=indicator, dimension="total")

    response = admin_post(admin_client(client), indicator, disability=["yes", "no", "unknown"])

    assert response.status_code == 302, response.content.decode()[:2000]
    indicator.refresh_from_db()
    assert indicator.disaggregations == ["disability"]
    cell = Figure.objects.get(report=report, indicator=indicator, dimension="disability")
    assert (cell.category, cell.value) == ("unknown", total.value)


def test_figures_of_a_dropped_category_move_to_not_recorded_with_their_history():
    report = factories.submitted_report(programme_code="climate-resilience")
    services.report_approve(
        reviewer=factories.reviewer(provinces=[report.province]), report_id=report.pk
    )
    indicator = Indicator.objects.get(code="CR-01")
    # Figures filed before the review: 3 of the 10 women trained were recorded as 16-17.
    Figure.objects.filter(report=report, indicator=indicator, category="18-24").update(value=7)
    Figure.objects.create(
        report=report, indicator=indicator, dimension="age", category="16-17", value=3
    )
    StaleSummary.objects.all().delete()

    result = conform_figures(
        [indicator],
        figure_model=Figure,
        history_model=Figure.history.model,
        stale_model=StaleSummary,
    )

    cells = {
        f.category: f.value
        for f in Figure.objects.filter(report=report, indicator=indicator, dimension="age")
    }
    assert cells == {"18-24": 7, "25-49": 0, "50-59": 0, "60+": 0, "unknown": 3}
    assert sum(cells.values()) == 10
    assert result.moved == 1
    gone = Figure.history.filter(category="16-17", history_type="-").get()
    assert (gone.value, gone.history_change_reason) == (3, "disaggregation: moved to not recorded")
    assert StaleSummary.objects.filter(province=report.province, period=report.period).exists()
