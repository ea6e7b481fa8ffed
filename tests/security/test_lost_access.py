"""Someone who loses access while logged in: a membership deleted, a review scope narrowed, an
organisation or an account deactivated.

What a user may see is worked out again on every request, from the database: the request's
user object is loaded afresh from the session's user id, its memberships are read once for that
request (`User.membership_list`), and nothing about access is cached in the session or a cache.
So a membership removed in the admin takes effect at the user's next request, in every session,
without ending them (the user may keep other memberships). A deactivated account's sessions end
(`portal.services.user_deactivate`); and even a bare `is_active=False` written past the service
logs the user out at the next request, because Django's backend refuses an inactive user.

API tokens: the portal has none (no token or remote-user authentication, no API), so there is
nothing to revoke; `test_the_portal_accepts_no_token_or_header_authentication` keeps it so.
"""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal import services as portal_services
from portal.models import Membership, User
from reports import services
from reports.models import Notification
from reports.notifications import pending_emails_send
from tests import factories
from tests.conftest import VerifiedClient
from tests.files import small_pdf

pytestmark = pytest.mark.django_db

TITLE = "Báo cáo nội bộ của tổ chức"
COMMENT = "Thiếu số liệu nhà tạm lánh"


@pytest.fixture
def returned(django_capture_on_commit_callbacks):
    """A returned report of an organisation with two reporters; the notices of the return are
    made but not yet e-mailed (the broker was down, say)."""
    organisation = factories.OrganisationFactory()
    author = factories.reporter(organisation=organisation)
    colleague = factories.reporter(organisation=organisation)
    report = factories.draft_report(organisation=organisation, author=author)
    attachment = services.attachment_add(
        actor=author,
        report_id=report.pk,
        upload=SimpleUploadedFile("plan.pdf", small_pdf(), content_type="application/pdf"),
    )
    services.report_update(
        actor=author,
        report_id=report.pk,
        content=services.ReportContent(title=TITLE, figures=factories.complete_figures(report)),
        submit=True,
    )
    with django_capture_on_commit_callbacks(execute=False):
        services.report_return(
            reviewer=factories.reviewer(provinces=[report.province]),
            report_id=report.pk,
            comment=COMMENT,
        )
    report.refresh_from_db()
    return {"report": report, "colleague": colleague, "attachment": attachment}


def logged_in(user: User) -> VerifiedClient:
    client = VerifiedClient()
    client.force_login(user)
    return client


def report_urls(returned) -> list[str]:
    report, attachment = returned["report"], returned["attachment"]
    return [
        reverse("reports:detail", args=[report.pk]),
        reverse("reports:edit", args=[report.pk]),
        reverse("reports:attachment_download", args=[report.pk, attachment.pk]),
    ]


def assert_sees_nothing_of(client, returned):
    report = returned["report"]
    for url in report_urls(returned):
        assert client.get(url).status_code == 404, url
    for url in (reverse("reports:list"), reverse("reports:returned"), reverse("home")):
        page = client.get(url)
        assert page.status_code == 200, url
        assert TITLE.encode() not in page.content, url
    notices = client.get(reverse("reports:notifications"))
    assert len(notices.context["notifications"]) == 1  # the notice stays, and says no more
    assert TITLE.encode() not in notices.content
    assert COMMENT.encode() not in notices.content
    assert report.get_absolute_url().encode() not in notices.content
    posted = client.post(reverse("reports:submit", args=[report.pk]), {"version": report.version})
    assert posted.status_code == 404


def test_a_reporter_removed_from_the_organisation_sees_nothing_at_the_next_request(returned):
    colleague = returned["colleague"]
    client = logged_in(colleague)
    assert client.get(returned["report"].get_absolute_url()).status_code == 200
    assert TITLE.encode() in client.get(reverse("reports:notifications")).content

    Membership.objects.filter(user=colleague).delete()

    assert_sees_nothing_of(client, returned)


def test_a_membership_deleted_in_the_admin_takes_effect_in_every_open_session(returned, client):
    colleague = returned["colleague"]
    first, second = logged_in(colleague), logged_in(colleague)
    admin = factories.admin_user(user__is_superuser=True)
    client.force_login(admin)
    membership = colleague.memberships.get()

    client.post(reverse("admin:portal_membership_delete", args=[membership.pk]), {"post": "yes"})

    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert_sees_nothing_of(first, returned)
    assert_sees_nothing_of(second, returned)


def test_a_reporter_whose_organisation_is_deactivated_sees_nothing(returned):
    colleague = returned["colleague"]
    client = logged_in(colleague)
    organisation = returned["report"].organisation

    organisation.is_active = False
    organisation.save(update_fields=["is_active"])

    assert_sees_nothing_of(client, returned)


def test_a_reviewer_whose_scope_is_narrowed_loses_the_report_at_the_next_request(returned):
    report = returned["report"]
    reviewer = factories.reviewer(provinces=[report.province])
    services.report_submit(actor=report.created_by, report_id=report.pk)
    client = logged_in(reviewer)
    assert client.get(reverse("reports:queue")).context["reports"][0] == report

    reviewer.memberships.get().scope_provinces.clear()

    assert client.get(report.get_absolute_url()).status_code == 404
    assert list(client.get(reverse("reports:queue")).context["reports"]) == []
    refused = client.post(reverse("reports:approve", args=[report.pk]), {"version": 0})
    assert refused.status_code == 404
    report.refresh_from_db()
    assert report.status == "submitted"


def test_a_deactivated_user_is_logged_out_at_the_next_request_even_past_the_service(returned):
    colleague = returned["colleague"]
    client = logged_in(colleague)

    User.objects.filter(pk=colleague.pk).update(is_active=False)  # no service, no session ended

    response = client.get(returned["report"].get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_deactivation_through_the_service_ends_every_session(returned):
    colleague = returned["colleague"]
    first, second = logged_in(colleague), logged_in(colleague)

    portal_services.user_deactivate(actor=factories.admin_user(), user=colleague)

    for client in (first, second):
        assert client.get(reverse("reports:list"))["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "loss", ["membership deleted", "organisation deactivated", "account deactivated"]
)
def test_pending_e_mails_skip_people_who_lost_access(returned, mailoutbox, loss):
    colleague, author = returned["colleague"], returned["report"].created_by
    assert Notification.objects.filter(emailed_at=None).count() == 2
    if loss == "membership deleted":
        Membership.objects.filter(user=colleague).delete()
    elif loss == "organisation deactivated":
        returned["report"].organisation.__class__.objects.filter(
            pk=returned["report"].organisation_id
        ).update(is_active=False)
    else:
        User.objects.filter(pk=colleague.pk).update(is_active=False)

    sent = pending_emails_send()

    assert colleague.email not in [address for m in mailoutbox for address in m.to]
    if loss == "organisation deactivated":
        assert sent == 0  # nobody reports for it any more
    else:
        assert sent == 1 and mailoutbox[0].to == [author.email]
    assert not Notification.objects.filter(emailed_at=None, recipient=colleague).exists()
    assert pending_emails_send() == 0  # settled, not retried


def test_pages_take_only_the_session_and_the_api_only_our_personal_tokens(returned):
    """Pages: nothing but the session cookie logs anyone in. The API (issue 16): the session or a
    personal token of ours (hashed, expiring, revocable: `portal.api_core`), never HTTP Basic,
    another library's tokens or a remote-user header."""
    token_apps = {"rest_framework.authtoken", "knox", "oauth2_provider"}
    assert not token_apps & set(settings.INSTALLED_APPS)
    assert settings.AUTHENTICATION_BACKENDS == [
        "axes.backends.AxesStandaloneBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    assert settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] == [
        "portal.api_core.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ]
    assert not [m for m in settings.MIDDLEWARE if "RemoteUser" in m]
    from django.test import Client

    client = Client()
    report = returned["report"]
    headers = (
        {"HTTP_AUTHORIZATION": "Token 0123456789abcdef"},
        {"HTTP_AUTHORIZATION": "Bearer 0123456789abcdef"},
        {"HTTP_AUTHORIZATION": "Basic " + "YTpi"},
        {"HTTP_REMOTE_USER": returned["colleague"].email},
        {"REMOTE_USER": returned["colleague"].email},
    )
    for header in headers:
        response = client.get(report.get_absolute_url(), **header)
        assert response.status_code == 302, header
        assert response["Location"].startswith(reverse("login"))
    for header in headers:
        response = client.get(f"/api/v1/reports/{report.pk}/", **header)
        assert response.status_code == 401, header
