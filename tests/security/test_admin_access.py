"""The Django admin, attacked by staff users who are not national administrators.

Policy (`portal/admin_site.py`, `portal/admin.py`): the admin has no notion of organisations, so
it opens only to national administrators (an admin membership, or a superuser) who are staff.
Any other staff user, whatever model permissions they hold, gets 403 on every admin URL, GET or
POST, every action included, and sees nothing of any organisation. Inside, a national
administrator who is not a superuser works within their model permissions, never reaches a
superuser's account, never grants superuser status, groups or permissions, never adds or edits
a two-factor device, and nobody reads a device's secret.

Exports: the admin has no export page or action (the actions are listed below and checked), so
there is nothing to export from it; the portal's own downloads are tested in `tests/summaries`
and `tests/security/test_audit.py`.
"""

import re

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from indicators.models import Donor, Indicator, Programme
from portal.api_tokens import token_create
from portal.models import (
    ApiToken,
    AuditEvent,
    LegacyProvince,
    Membership,
    Organisation,
    Province,
    User,
)
from reports import services
from reports.models import ActivityReport, Attachment, ReportEvent, ReportingPeriod
from tests import factories
from tests.conftest import VerifiedClient
from tests.files import small_pdf
from tests.portal.test_login_required import named_patterns
from tests.security.test_sessions import admin_form_data

pytestmark = pytest.mark.django_db

SECRETS = ("Secret title of B", "Secret comment of B", "Secret person of B", "Secret org B")


@pytest.fixture
def other():
    """Another organisation with a returned report (events, a comment, an attachment), a
    reporter with two-factor devices, and axes rows about them: what an outsider must not see."""
    organisation = factories.OrganisationFactory(name=SECRETS[3], province=factories.province("79"))
    author = factories.reporter(organisation=organisation, user__full_name=SECRETS[2])
    report = factories.draft_report(organisation=organisation, author=author)
    services.attachment_add(
        actor=author,
        report_id=report.pk,
        upload=SimpleUploadedFile("plan.pdf", small_pdf(), content_type="application/pdf"),
    )
    services.report_update(
        actor=author,
        report_id=report.pk,
        content=services.ReportContent(
            title=SECRETS[0], figures=factories.complete_figures(report)
        ),
        submit=True,
    )
    services.report_return(
        reviewer=factories.reviewer(provinces=[report.province]),
        report_id=report.pk,
        comment=SECRETS[1],
    )
    totp = TOTPDevice.objects.create(user=author, name="phone", confirmed=True)
    static = StaticDevice.objects.create(user=author, name="backup", confirmed=True)
    StaticToken.objects.create(device=static, token="backupcode1")
    common = {"user_agent": "x", "ip_address": "203.0.113.9", "username": author.email}
    common |= {"http_accept": "x", "path_info": "/accounts/login/"}
    return {
        ActivityReport: ActivityReport.objects.get(pk=report.pk),
        User: author,
        Membership: author.memberships.get(),
        Organisation: organisation,
        TOTPDevice: totp,
        StaticDevice: static,
        AccessAttempt: AccessAttempt.objects.create(
            get_data="", post_data="", failures_since_start=1, **common
        ),
        AccessLog: AccessLog.objects.create(**common),
        AccessFailureLog: AccessFailureLog.objects.create(**common),
        Province: Province.objects.get(code="79"),
        LegacyProvince: LegacyProvince.objects.order_by("code").first(),
        Indicator: Indicator.objects.order_by("code").first(),
        Programme: Programme.objects.order_by("code").first(),
        Donor: Donor.objects.order_by("code").first(),
        ReportingPeriod: report.period,
        Group: Group.objects.create(name="editors"),
        ApiToken: token_create(
            actor=author, user=author, name="dashboard", days=30, verified=True
        ).token,
        **factories.dhis2_mappings("79"),
    }


def with_every_permission(user: User) -> User:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(Permission.objects.all())
    return User.objects.get(pk=user.pk)  # no cached permissions


def outsider(kind: str, other) -> User:
    """A staff user with every model permission who is not a national administrator."""
    own = factories.OrganisationFactory(name="Own organisation A")
    users = {
        "staff, no membership": lambda: factories.UserFactory(),
        "staff reporter of A": lambda: factories.reporter(organisation=own),
        "staff reporter of B": lambda: factories.reporter(organisation=other[Organisation]),
        "staff reviewer of B's province": lambda: factories.reviewer(
            provinces=[other[Province]], organisations=[other[Organisation]]
        ),
        "staff admin of an inactive organisation": lambda: _admin_of_inactive_organisation(),
    }
    return with_every_permission(users[kind]())


def _admin_of_inactive_organisation() -> User:
    membership = factories.MembershipFactory(
        role=Membership.Role.ADMIN,
        organisation=factories.OrganisationFactory(is_active=False, province=None),
    )
    return membership.user


OUTSIDERS = [
    "staff, no membership",
    "staff reporter of A",
    "staff reporter of B",
    "staff reviewer of B's province",
    "staff admin of an inactive organisation",
]


OBJECT_PAGES = ("_change", "_delete", "_history", "_config", "_qrcode", "_password_change")


def admin_urls(other) -> dict[str, str]:
    """Every named admin URL (but the login page), with the other organisation's objects."""
    models = {}
    for model in admin.site._registry:
        models[f"admin:{model._meta.app_label}_{model._meta.model_name}_"] = model
    models["admin:auth_user_"] = User  # Django names the password page after auth.User
    report = other[ActivityReport]
    found = {}
    for name, _pattern in named_patterns():
        if not name.startswith("admin:") or name == "admin:login":
            continue
        prefix = next((p for p in models if name.startswith(p)), None)
        obj = other[models[prefix]] if prefix else None
        if name == "admin:app_list":
            for label in {m._meta.app_label for m in admin.site._registry}:
                found[f"{name}:{label}"] = reverse(name, kwargs={"app_label": label})
        elif name == "admin:view_on_site":
            content_type = ContentType.objects.get_for_model(ActivityReport)
            found[name] = reverse(name, args=[content_type.pk, report.pk])
        elif name == "admin:autocomplete":
            query = "app_label=portal&model_name=membership&field_name=organisation&term=Secret"
            found[name] = f"{reverse(name)}?{query}"
        elif obj is not None and name.endswith(OBJECT_PAGES):
            found[name] = reverse(name, args=[obj.pk])
        else:
            found[name] = reverse(name)
    return found


def counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in [*admin.site._registry, ReportEvent, Attachment, StaticToken]
    } | {"superusers": User.objects.filter(is_superuser=True).count()}


@pytest.mark.parametrize("kind", OUTSIDERS)
def test_staff_who_are_not_national_admins_are_refused_every_admin_url(other, kind):
    user = outsider(kind, other)
    client = VerifiedClient()
    client.force_login(user)
    before = counts()
    urls = admin_urls(other)
    assert len(urls) > 90  # every model's list, add, change, delete and history pages

    for name, url in urls.items():
        got = client.get(url)
        posted = client.post(url, {"post": "yes", "is_superuser": "on", "name": "x"})

        assert got.status_code == 403, (name, url, got.status_code)
        assert posted.status_code == 403, (name, url, posted.status_code)
        for page in (got, posted):
            assert not any(secret.encode() in page.content for secret in SECRETS), name
    assert counts() == before
    assert AuditEvent.objects.filter(user=user, action="access_denied").count() == 2 * len(urls)


@pytest.mark.parametrize("kind", OUTSIDERS)
def test_every_admin_action_on_another_organisations_objects_is_refused(other, kind):
    client = VerifiedClient()
    client.force_login(outsider(kind, other))
    before = counts()

    for model in admin.site._registry:
        changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for action in ACTIONS:
            response = client.post(
                changelist,
                {"action": action, "_selected_action": [other[model].pk], "post": "yes"},
            )
            assert response.status_code == 403, (model, action)

    assert counts() == before
    assert not ApiToken.objects.exclude(revoked_at=None).exists()  # "revoke" refused too


ACTIONS = {"delete_selected", "cleanup_expired_attempts", "revoke"}


def test_the_admin_has_no_action_beyond_those_checked_above(rf):
    """A new action (an export, say) must be added to ACTIONS and so to the refusal test."""
    request = rf.get("/")
    request.user = superuser()
    found = set()
    for model_admin in admin.site._registry.values():
        found |= set(model_admin.get_actions(request))
    assert found <= ACTIONS


def test_the_admin_login_page_tells_a_refused_staff_user_nothing(other):
    client = VerifiedClient()
    client.force_login(outsider("staff reporter of A", other))

    page = client.get(reverse("admin:login"))

    assert page.status_code == 200
    assert not any(secret.encode() in page.content for secret in SECRETS)
    assert b"Own organisation A" not in page.content


def test_the_menu_offers_the_admin_to_national_admins_only(other):
    client = VerifiedClient()
    client.force_login(outsider("staff reviewer of B's province", other))
    assert reverse("admin:index").encode() not in client.get(reverse("home")).content


# --- National administrators who are not superusers ------------------------------------------


def superuser() -> User:
    user = factories.admin_user()
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    return user


def national_admin(*permissions: str) -> User:
    user = factories.admin_user()
    user.user_permissions.set(
        Permission.objects.filter(codename__in=permissions)
        if permissions
        else Permission.objects.all()
    )
    return User.objects.get(pk=user.pk)


def test_a_national_admin_sees_only_what_their_permissions_allow(other):
    client = VerifiedClient()
    client.force_login(national_admin("view_activityreport"))

    reports = client.get(reverse("admin:reports_activityreport_changelist"))
    users = client.get(reverse("admin:portal_user_changelist"))
    change = client.get(
        reverse("admin:reports_activityreport_change", args=[other[ActivityReport].pk])
    )

    assert reports.status_code == 200 and SECRETS[0].encode() in reports.content
    assert change.status_code == 200 and b'name="_save"' not in change.content  # read-only
    assert users.status_code == 403


def test_a_national_admin_never_reaches_a_superusers_account(other):
    root = superuser()
    client = VerifiedClient()
    client.force_login(national_admin())
    before = counts()

    listing = client.get(reverse("admin:portal_user_changelist"))
    pages = [
        client.get(reverse(f"admin:portal_user_{page}", args=[root.pk]))
        for page in ("change", "history", "delete")
    ]
    password = client.post(
        reverse("admin:auth_user_password_change", args=[root.pk]),
        {"password1": "a new passphrase for root", "password2": "a new passphrase for root"},
    )
    bulk = client.post(
        reverse("admin:portal_user_changelist"),
        {"action": "delete_selected", "_selected_action": [root.pk], "post": "yes"},
    )

    assert root.email.encode() not in listing.content
    assert all(page.status_code == 302 for page in pages)  # "does not exist", back to the index
    assert password.status_code == 404
    assert bulk.status_code == 302
    root.refresh_from_db()
    assert root.check_password(factories.TEST_PASSWORD)
    assert counts() == before


def test_a_national_admin_cannot_grant_superuser_status_permissions_or_groups(other):
    me = national_admin()
    group = other[Group]
    client = VerifiedClient()
    client.force_login(me)
    url = reverse("admin:portal_user_change", args=[me.pk])
    page = client.get(url)
    data = admin_form_data(page)
    data |= {"is_superuser": "on", "groups": [group.pk], "user_permissions": [1, 2, 3]}

    response = client.post(url, data)

    assert response.status_code == 302
    me.refresh_from_db()
    assert not me.is_superuser
    assert not me.groups.exists()
    assert me.user_permissions.count() == Permission.objects.count()  # unchanged
    for field in ("is_superuser", "groups", "user_permissions"):
        assert f'name="{field}"'.encode() not in page.content


def test_groups_are_for_superusers_only(other):
    client = VerifiedClient()
    client.force_login(national_admin())
    group = other[Group]

    for url in (
        reverse("admin:auth_group_changelist"),
        reverse("admin:auth_group_add"),
        reverse("admin:auth_group_change", args=[group.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert (
        client.post(
            reverse("admin:auth_group_change", args=[group.pk]),
            {
                "name": "editors",
                "permissions": list(Permission.objects.values_list("pk", flat=True)),
            },
        ).status_code
        == 403
    )
    assert not group.permissions.exists()


def test_a_national_admin_may_view_and_delete_devices_but_never_add_or_edit_one(other):
    device = other[TOTPDevice]
    client = VerifiedClient()
    client.force_login(national_admin())

    add = client.get(reverse("admin:otp_totp_totpdevice_add"))
    change = client.post(
        reverse("admin:otp_totp_totpdevice_change", args=[device.pk]),
        {"user": device.user_id, "name": "phone", "key": "00" * 20, "step": 30, "t0": 0},
    )
    view = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    delete = client.post(
        reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}
    )

    assert add.status_code == 403
    assert change.status_code == 403
    assert view.status_code == 200 and device.key.encode() not in view.content
    assert delete.status_code == 302 and not TOTPDevice.objects.filter(pk=device.pk).exists()


@pytest.mark.parametrize("who", ["national admin", "superuser"])
def test_nobody_reads_a_devices_secret_in_the_admin(other, who):
    totp, static = other[TOTPDevice], other[StaticDevice]
    client = VerifiedClient()
    client.force_login(superuser() if who == "superuser" else national_admin())

    pages = [
        client.get(reverse("admin:otp_totp_totpdevice_changelist")),
        client.get(reverse("admin:otp_totp_totpdevice_change", args=[totp.pk])),
        client.get(reverse("admin:otp_static_staticdevice_change", args=[static.pk])),
    ]
    config = client.get(reverse("admin:otp_totp_totpdevice_config", args=[totp.pk]))
    qrcode = client.get(reverse("admin:otp_totp_totpdevice_qrcode", args=[totp.pk]))

    for page in pages:
        assert page.status_code == 200
        assert totp.key.encode() not in page.content
        assert b"backupcode1" not in page.content
        assert not re.search(rb"otpauth://", page.content)
    assert config.status_code == 403 and qrcode.status_code == 403
