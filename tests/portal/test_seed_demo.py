import pytest
from django.core.management import call_command

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
        assert client.login(username=demo_email(local_part), password=DEMO_PASSWORD)
        client.logout()


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True

    with pytest.raises(Exception, match="production"):
        call_command("seed_demo")
