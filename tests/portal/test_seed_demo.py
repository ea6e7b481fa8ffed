import pytest
from django.core.management import call_command
from django.urls import reverse

from portal.demo import DEMO_PASSWORD, ORGANISATIONS, USERS, demo_email
from portal.models import Membership, Organisation, User


def snapshot() -> dict:
    return {
        "organisations": list(Organisation.objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values()),
        "memberships": [
            (
                m.pk,
                m.user_id,
                m.organisation_id,
                m.role,
                sorted(m.scope_provinces.values_list("pk", flat=True)),
                sorted(m.scope_organisations.values_list("pk", flat=True)),
            )
            for m in Membership.objects.order_by("pk")
        ],
    }


@pytest.mark.django_db
def test_seed_demo_twice_gives_the_same_rows():
    call_command("seed_demo", "--seed", "7", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = snapshot()

    call_command("seed_demo", "--seed", "7", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert snapshot() == first
    assert len(first["organisations"]) == len(ORGANISATIONS)
    assert len(first["users"]) == len(USERS)


@pytest.mark.django_db
def test_seed_demo_covers_at_least_five_provinces_and_every_role(capsys):
    call_command("seed_demo")

    provinces = Organisation.objects.exclude(province=None).values("province").distinct()
    assert provinces.count() >= 5
    assert set(Membership.objects.values_list("role", flat=True)) == {
        "reporter",
        "reviewer",
        "admin",
    }
    printed = capsys.readouterr().out
    assert DEMO_PASSWORD in printed
    assert demo_email("reviewer") in printed


@pytest.mark.django_db
def test_the_demo_logins_work(client):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    for local_part in ("admin", "reviewer", "reporter"):
        response = client.post(
            reverse("login"), {"username": demo_email(local_part), "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302
        assert client.session.get("_auth_user_id")
        client.post(reverse("logout"))


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True

    with pytest.raises(Exception, match="production"):
        call_command("seed_demo")


def report_snapshot():
    from django.db.models import Sum

    from reports.models import ActivityReport

    return sorted(
        (
            r.organisation.name,
            r.programme.code,
            r.period.code,
            r.status,
            r.created_by.email,
            r.figures.aggregate(total=Sum("value"))["total"],
            r.events.count(),
        )
        for r in ActivityReport.objects.select_related(
            "organisation", "programme", "period", "created_by"
        )
    )


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_reports_and_a_rerun_adds_none(capsys):
    from reports.models import ActivityReport

    call_command("seed_demo", "--reports", "60", "--seed", "5")
    first = report_snapshot()
    call_command("seed_demo", "--reports", "60", "--seed", "5")
    assert report_snapshot() == first

    ActivityReport.objects.all().delete()
    call_command("seed_demo", "--reports", "60", "--seed", "5")

    assert report_snapshot() == first
    assert len(first) == 60
    states = {row[3] for row in first}
    assert {"draft", "submitted", "returned", "approved"} <= states
    assert states <= {"draft", "submitted", "returned", "approved_1", "approved"}


@pytest.mark.django_db
def test_demo_reports_that_were_submitted_pass_the_submission_rules():
    from reports.figures import check_complete, inputs_from_figures
    from reports.models import ActivityReport

    call_command("seed_demo", "--reports", "40", stdout=open("/dev/null", "w"))  # noqa: SIM115

    for report in ActivityReport.objects.exclude(status="draft").prefetch_related("figures"):
        indicators = report.programme.indicators.all()
        assert check_complete(indicators, inputs_from_figures(report.figures.all())) == {}
