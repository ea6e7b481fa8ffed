"""A draft's spending lines written through the API: the same service and rules as the report
form, errors at their line's path, nothing saved when any line is wrong."""

from reports.models import Spending
from tests import factories
from tests.api.conftest import api_client


def patch(report, body, user=None):
    client = api_client(user or report.created_by)
    return client.patch(f"/api/v1/reports/{report.pk}/", body, format="json")


def saved(report) -> list[tuple]:
    return list(
        Spending.objects.filter(report=report)
        .order_by("pk")
        .values_list("amount", "source", "donor__code", "pillar")
    )


def test_a_reporter_writes_a_drafts_spending_lines(db):
    report = factories.draft_report()

    response = patch(
        report,
        {
            "spending": [
                {"amount": 5_000_000, "source": "vwu_own", "pillar": "prevention"},
                {
                    "amount": 40_000_000,
                    "source": "donor",
                    "donor_code": "un-women",
                    "pillar": "prevention",
                },
            ]
        },
    )

    assert response.status_code == 200, response.content
    assert saved(report) == [
        (5_000_000, "vwu_own", None, "prevention"),
        (40_000_000, "donor", "un-women", "prevention"),
    ]
    assert [line["donor_code"] for line in response.json()["spending"]] == [None, "un-women"]


def test_the_lines_sent_replace_the_saved_ones_and_leaving_them_out_keeps_them(db):
    report = factories.draft_report()
    patch(report, {"spending": [{"amount": 1, "source": "vwu_own", "pillar": "prevention"}]})

    patch(report, {"title": "Đổi tên"})
    assert saved(report) == [(1, "vwu_own", None, "prevention")]

    patch(report, {"spending": []})
    assert saved(report) == []


def test_every_bad_line_comes_back_at_its_path_and_nothing_is_saved(db):
    report = factories.draft_report()
    patch(report, {"spending": [{"amount": 7, "source": "vwu_own", "pillar": "prevention"}]})

    response = patch(
        report,
        {
            "title": "Không được lưu",
            "spending": [
                {"amount": 3, "source": "vwu_own", "pillar": "prevention"},
                {"amount": -5, "source": "donor", "pillar": "relief_recovery"},
            ],
        },
    )

    assert response.status_code == 400
    errors = response.json()["spending"]["1"]
    assert set(errors) == {"amount", "source", "pillar"}
    assert "0" not in response.json()["spending"]
    assert saved(report) == [(7, "vwu_own", None, "prevention")]
    report.refresh_from_db()
    assert report.title != "Không được lưu"


def test_an_unknown_donor_code_is_an_error_at_its_line(db):
    report = factories.draft_report()

    response = patch(
        report,
        {
            "spending": [
                {"amount": 1, "source": "donor", "donor_code": "nobody", "pillar": "prevention"}
            ]
        },
    )

    assert response.status_code == 400
    assert response.json() == {"spending": {"0": {"donor_code": ["Unknown donor code."]}}}
    assert saved(report) == []


def test_a_malformed_line_is_refused_by_the_serializer(db):
    report = factories.draft_report()

    response = patch(report, {"spending": [{"amount": "many", "source": "gold", "pillar": "x"}]})

    assert response.status_code == 400
    assert set(response.json()["spending"]["0"]) == {"amount", "source", "pillar"}


def test_another_organisations_reporter_cannot_write_the_lines(db):
    report = factories.draft_report()
    other = factories.reporter()

    response = patch(
        report, {"spending": [{"amount": 1, "source": "vwu_own", "pillar": "prevention"}]}, other
    )

    assert response.status_code == 404
    assert saved(report) == []
