"""Spending lines of a report: checked by the services, entered on the report form with every
error at once and nothing typed lost, shown only to those who see the report, kept in versions."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from indicators.models import Donor, Pillar
from reports import services
from reports.models import MAX_SPENDING_VND, FundingSource, ReportEvent, Spending
from reports.spending import SpendingInput
from tests import factories
from tests.reports.test_validation import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def report():
    return factories.draft_report()


def donor(code="un-women"):
    return Donor.objects.get(code=code)


def save(report, lines, *, actor=None, pillars=(), submit=False):
    return services.report_update(
        actor=actor or report.created_by,
        report_id=report.pk,
        content=services.ReportContent(
            title=report.title,
            pillars=list(pillars),
            figures=factories.complete_figures(report),
            spending=lines,
        ),
        submit=submit,
    )


def line(report, amount=5_000_000, source=FundingSource.VWU_OWN, pillar=None, donor_id=None):
    return SpendingInput(
        amount=amount,
        source=source,
        pillar=pillar or report.programme.default_pillar,
        donor_id=donor_id,
    )


# --- Services ------------------------------------------------------------------------------------


def test_a_reporter_saves_spending_lines_with_the_draft(report):
    un_women = donor()

    save(
        report,
        [
            line(report, 12_500_000),
            line(report, 40_000_000, FundingSource.DONOR, donor_id=un_women.pk),
        ],
    )

    lines = {(s.amount, s.source, s.donor_id) for s in report.spending.all()}
    assert lines == {(12_500_000, "vwu_own", None), (40_000_000, "donor", un_women.pk)}
    assert report.events.filter(kind=ReportEvent.Kind.EDITED).exists()


def test_saving_again_replaces_the_lines_and_none_leaves_them_alone(report):
    save(report, [line(report, 1_000_000), line(report, 2_000_000)])
    save(report, [line(report, 3_000_000)])
    assert list(report.spending.values_list("amount", flat=True)) == [3_000_000]

    save(report, None)

    assert list(report.spending.values_list("amount", flat=True)) == [3_000_000]


def test_every_broken_rule_of_every_line_is_reported_at_once_and_nothing_is_saved(report):
    other_pillar = next(p for p in Pillar.values if p != report.programme.default_pillar)
    lines = [
        line(report, -1),
        line(report, MAX_SPENDING_VND + 1),
        line(report, None),
        line(report, 1, "lottery"),
        line(report, 1, FundingSource.DONOR),
        line(report, 1, FundingSource.STATE_CENTRAL, donor_id=donor().pk),
        line(report, 1, pillar=other_pillar),
        line(report, 1, pillar="peace"),
    ]

    with pytest.raises(ValidationError) as caught:
        save(report, lines)

    errors = caught.value.message_dict
    assert set(errors) == {
        "spending-0-amount",
        "spending-1-amount",
        "spending-2-amount",
        "spending-3-source",
        "spending-4-source",
        "spending-5-source",
        "spending-6-pillar",
        "spending-7-pillar",
    }
    assert "100.000.000.000" in errors["spending-1-amount"][0]  # Vietnamese grouping
    assert not report.spending.exists()
    assert not report.events.filter(kind=ReportEvent.Kind.EDITED).exists()


def test_a_line_may_go_to_a_pillar_ticked_in_the_same_save(report):
    other_pillar = next(p for p in Pillar.values if p != report.programme.default_pillar)

    save(report, [line(report, 7, pillar=other_pillar)], pillars=[other_pillar])

    assert report.spending.get().pillar == other_pillar


def test_an_inactive_donor_is_refused_on_a_new_line_but_kept_on_a_line_that_had_it(report):
    korea = donor("korea")
    save(report, [line(report, 9, FundingSource.DONOR, donor_id=korea.pk)])
    Donor.objects.filter(pk=korea.pk).update(is_active=False)

    save(report, [line(report, 10, FundingSource.DONOR, donor_id=korea.pk)])
    fresh = factories.draft_report()
    with pytest.raises(ValidationError) as caught:
        save(fresh, [line(fresh, 10, FundingSource.DONOR, donor_id=korea.pk)])

    assert report.spending.get().amount == 10
    assert "spending-0-source" in caught.value.message_dict


@pytest.mark.parametrize("who", ["other_reporter", "reviewer", "admin"])
def test_only_the_organisations_reporters_change_spending(report, who):
    actor = {
        "other_reporter": factories.reporter,
        "reviewer": lambda: factories.reviewer(provinces=[report.province]),
        "admin": factories.admin_user,
    }[who]()

    with pytest.raises(PermissionDenied):
        save(report, [line(report)], actor=actor)

    assert not report.spending.exists()


def test_spending_changes_only_while_the_report_is_editable(report):
    save(report, [line(report, 5)], submit=True)

    with pytest.raises(services.WorkflowError):
        save(report, [line(report, 6)])

    assert list(report.spending.values_list("amount", flat=True)) == [5]


def test_the_database_refuses_a_line_that_breaks_the_rules(report):
    with pytest.raises(IntegrityError), transaction.atomic():
        Spending.objects.create(report=report, amount=1, source="donor", pillar="protection")
    with pytest.raises(IntegrityError), transaction.atomic():
        Spending.objects.create(
            report=report, amount=MAX_SPENDING_VND + 1, source="vwu_own", pillar="protection"
        )


# --- The report form ------------------------------------------------------------------------------


def spending_data(lines, initial=0):
    data = {
        "spending-TOTAL_FORMS": str(len(lines)),
        "spending-INITIAL_FORMS": str(initial),
    }
    for row, values in enumerate(lines):
        for part, value in values.items():
            data[f"spending-{row}-{part}"] = value
    return data


def test_the_form_saves_lines_typed_the_vietnamese_way_and_skips_empty_ones(client, report):
    client.force_login(report.created_by)
    pillar = report.programme.default_pillar
    lines = [
        {"amount": "12.500.000", "source": "state_provincial", "pillar": pillar},
        {"amount": "3 000 000", "source": f"donor:{donor('canada').pk}", "pillar": pillar},
        {"amount": "", "source": "", "pillar": ""},
    ]

    response = client.post(
        reverse("reports:edit", args=[report.pk]), {**form_data(report), **spending_data(lines)}
    )

    assert response.status_code == 302
    saved = {(s.amount, s.source, s.donor_id) for s in report.spending.all()}
    assert saved == {
        (12_500_000, "state_provincial", None),
        (3_000_000, "donor", donor("canada").pk),
    }


def test_the_form_shows_every_error_at_once_and_keeps_everything_typed(client, report):
    client.force_login(report.created_by)
    pillar = report.programme.default_pillar
    other_pillar = next(p for p in Pillar.values if p != pillar)
    lines = [
        {"amount": "12,5", "source": "vwu_own", "pillar": pillar},  # cannot be read
        {"amount": "999.999.999.999", "source": "state_central", "pillar": pillar},  # too much
        {"amount": "7.000", "source": "vwu_own", "pillar": other_pillar},  # not a report pillar
        {"amount": "8.000", "source": "", "pillar": pillar},  # no source
    ]
    data = {
        **form_data(report, **{"TA-02__sex__male": "2"}),  # a figure sum that does not add up
        "narrative": "Tập huấn tại xã",
        **spending_data(lines),
    }

    response = client.post(reverse("reports:edit", args=[report.pk]), data)

    assert response.status_code == 200
    form = response.context["form"]
    line_errors = [sorted(line_form.errors) for line_form in form.spending.forms]
    assert line_errors == [["amount"], ["amount"], ["pillar"], ["source"]]
    assert any(name.startswith("TA-02__sex__") for name in form.errors)
    summary = {item["anchor"] for item in form.error_summary()}
    assert {"id_spending-0-amount", "id_spending-1-amount", "id_spending-2-pillar"} <= summary
    assert {"id_spending-3-source"} <= summary
    page = response.content.decode()
    assert 'value="12,5"' in page and 'value="999.999.999.999"' in page
    assert "Tập huấn tại xã" in page
    assert not report.spending.exists()
    report.refresh_from_db()
    assert report.status == "draft"


def test_the_edit_page_offers_the_saved_lines_to_change_or_remove(client, report):
    save(report, [line(report, 4_000_000), line(report, 6_000_000)])
    report.refresh_from_db()
    client.force_login(report.created_by)
    url = reverse("reports:edit", args=[report.pk])

    form = client.get(url).context["form"]
    initial = [f.initial.get("amount") for f in form.spending.forms]
    pillar = report.programme.default_pillar
    lines = [
        {"amount": "4000000", "source": "vwu_own", "pillar": pillar, "DELETE": "on"},
        {"amount": "6500000", "source": "vwu_own", "pillar": pillar},
    ]
    response = client.post(
        url, {**form_data(report, submit=None, save="1"), **spending_data(lines, initial=2)}
    )

    assert initial[:2] == [4_000_000, 6_000_000] and len(initial) == 4
    assert response.status_code == 302
    assert list(report.spending.values_list("amount", flat=True)) == [6_500_000]


def test_a_post_without_the_spending_lines_leaves_them_alone(client, report):
    save(report, [line(report, 4_000_000)])
    report.refresh_from_db()
    client.force_login(report.created_by)

    response = client.post(reverse("reports:edit", args=[report.pk]), form_data(report))

    assert response.status_code == 302
    assert list(report.spending.values_list("amount", flat=True)) == [4_000_000]


# --- The report page ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status", "shown"),
    [
        ("own_reporter", 200, True),
        ("other_reporter", 404, False),
        ("reviewer_in_scope", 200, True),
        ("reviewer_out_of_scope", 404, False),
        ("admin", 200, True),
    ],
)
def test_spending_is_shown_only_to_those_who_see_the_report(client, role, status, shown):
    organisation = factories.OrganisationFactory(province=factories.province("01"))
    author = factories.reporter(organisation=organisation)
    report = factories.draft_report(organisation=organisation, author=author)
    save(report, [line(report, 123_456_789)], submit=True)
    users = {
        "own_reporter": author,
        "other_reporter": factories.reporter(),
        "reviewer_in_scope": factories.reviewer(provinces=[factories.province("01")]),
        "reviewer_out_of_scope": factories.reviewer(provinces=[factories.province("79")]),
        "admin": factories.admin_user(),
    }
    client.force_login(users[role])

    response = client.get(reverse("reports:detail", args=[report.pk]))

    assert response.status_code == status
    assert ("123.456.789" in response.content.decode()) is shown


def test_an_admin_sees_the_spending_of_a_version_as_it_was(client, report, admin_user):
    save(report, [line(report, 1_111_000)], submit=True)
    submitted = report.events.get(kind=ReportEvent.Kind.SUBMITTED)
    services.report_return(
        reviewer=factories.reviewer(provinces=[report.province]),
        report_id=report.pk,
        comment="Sửa lại",
    )
    save(report, [line(report, 2_222_000)])
    client.force_login(admin_user)

    then = client.get(reverse("reports:detail", args=[report.pk]), {"version": submitted.pk})
    now = client.get(reverse("reports:detail", args=[report.pk]))

    assert [row.amount for row in then.context["spending"]] == [1_111_000]
    assert [row.amount for row in now.context["spending"]] == [2_222_000]
