import pytest
from django.urls import reverse

from tests import factories

LOGIN_ERROR_VI = "E-mail hoặc mật khẩu không đúng"


@pytest.mark.django_db
def test_a_wrong_password_shows_a_translated_error_that_does_not_reveal_the_account(client):
    user = factories.UserFactory(email="known@example.org")

    wrong_password = client.post(
        reverse("login"), {"username": user.email, "password": "not-the-password"}
    )
    unknown_email = client.post(
        reverse("login"), {"username": "nobody@example.org", "password": "not-the-password"}
    )

    assert wrong_password.status_code == unknown_email.status_code == 200
    errors = wrong_password.context["form"].non_field_errors()
    assert errors == unknown_email.context["form"].non_field_errors()
    assert LOGIN_ERROR_VI in errors[0]
    assert "known@example.org" not in errors[0]


@pytest.mark.django_db
def test_the_right_password_logs_in_whatever_the_case_of_the_email(client):
    factories.UserFactory(email="staff@example.org")

    response = client.post(
        reverse("login"),
        {"username": "Staff@Example.org", "password": factories.TEST_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.django_db
def test_logout_ends_the_session(client):
    user = factories.UserFactory()
    client.force_login(user)

    client.post(reverse("logout"))

    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_password_reset_sends_a_link_only_to_an_existing_account(client, mailoutbox):
    factories.UserFactory(email="staff@example.org")

    known = client.post(reverse("password_reset"), {"email": "staff@example.org"})
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.org"})

    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["staff@example.org"]
    assert "/accounts/reset/" in mailoutbox[0].body


@pytest.mark.django_db
def test_the_home_page_shows_a_section_for_each_role(client):
    province = factories.province("44")
    organisation = factories.OrganisationFactory(name="Hội LHPN tỉnh Quảng Trị (test)")
    user = factories.reporter(organisation=organisation)
    factories.MembershipFactory(
        user=user, organisation=organisation, role="reviewer", scope_provinces=[province]
    )
    client.force_login(user)

    page = client.get(reverse("home")).content.decode()

    assert 'id="reporter-home"' in page
    assert 'id="reviewer-home"' in page
    assert "Quảng Trị" in page
    assert 'id="admin-home"' not in page


@pytest.mark.django_db
def test_an_admin_sees_national_counts(client, admin_user):
    client.force_login(admin_user)

    response = client.get(reverse("home"))

    assert response.context["overview"].admin_counts["provinces"] == 34
    assert 'id="admin-home"' in response.content.decode()


@pytest.mark.django_db
def test_a_user_without_a_membership_is_told_to_ask_for_one(client):
    client.force_login(factories.UserFactory())

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert not response.context["overview"].has_role
