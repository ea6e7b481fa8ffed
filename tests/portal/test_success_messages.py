"""Every success message follows the language the user chose, at the time of the request.

A message translated once, when its module was imported, stays in the language that happened to
be active then (Vietnamese), whatever the user picks later."""

import ast
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from reports import services
from reports.figures import field_name
from tests import factories
from tests.files import small_pdf

pytestmark = pytest.mark.django_db


def switch_language(client, language: str) -> None:
    client.post(reverse("set_language"), {"language": language, "next": reverse("home")})


def flashes(client, response) -> list[str]:
    """The messages the user reads on the page the action leads to."""
    assert response.status_code == 302, response.status_code
    page = client.get(response["Location"], follow=True)
    return [str(message) for message in get_messages(page.wsgi_request)]


def _edit_data(report, **extra):
    data = {"title": report.title, "province": report.province_id, "version": report.version}
    for indicator_pk, figure in factories.complete_figures(report).items():
        indicator = report.programme.indicators.get(pk=indicator_pk)
        if indicator.is_ratio:
            data[field_name(indicator, "num")] = figure.numerator
            data[field_name(indicator, "den")] = figure.denominator
            for (dimension, category), value in figure.numerators.items():
                data[field_name(indicator, dimension, category, "num")] = value
            for (dimension, category), value in figure.denominators.items():
                data[field_name(indicator, dimension, category, "den")] = value
            continue
        data[field_name(indicator, "total")] = figure.total
        for (dimension, category), value in figure.cells.items():
            data[field_name(indicator, dimension, category)] = value
    data.update(extra)
    return data


# Each action logs in who may do it, makes a fresh object, acts, and returns
# (response, a function giving the expected message in the active language).


def act_create(client):
    author = factories.reporter()
    client.force_login(author)
    organisation = author.membership_list[0].organisation
    programme, period = factories.programme(), factories.period("2026-Q2")
    organisation.programmes.add(programme)  # the form offers the programmes it runs
    data = {"organisation": organisation.pk, "programme": programme.pk, "period": period.pk}
    first = client.post(reverse("reports:create"), data)
    assert flashes(client, first) == []
    # Opening the same report again leads to the existing one, with a message saying so.
    response = client.post(reverse("reports:create"), data)
    return (
        response,
        lambda: (
            _("%(organisation)s already has a %(programme)s report for %(period)s.")
            % {
                "organisation": organisation.name,
                "programme": programme.name,
                "period": period.label,
            }
        ),
    )


def act_save(client):
    report = factories.draft_report()
    client.force_login(report.created_by)
    response = client.post(reverse("reports:edit", args=[report.pk]), _edit_data(report, save="1"))
    return response, lambda: _("The draft was saved.")


def act_submit_from_the_form(client):
    report = factories.draft_report()
    client.force_login(report.created_by)
    response = client.post(
        reverse("reports:edit", args=[report.pk]), _edit_data(report, submit="1")
    )
    return response, lambda: _("The report was submitted for review.")


def act_submit(client):
    report = factories.draft_report()
    services.report_update(
        actor=report.created_by,
        report_id=report.pk,
        content=services.ReportContent(
            title=report.title, figures=factories.complete_figures(report)
        ),
    )
    client.force_login(report.created_by)
    response = client.post(reverse("reports:submit", args=[report.pk]))
    return response, lambda: _("The report was submitted for review.")


def act_withdraw(client):
    report = factories.submitted_report()
    client.force_login(report.created_by)
    response = client.post(reverse("reports:withdraw", args=[report.pk]))
    return response, lambda: _("The report is a draft again.")


def act_approve(client):
    report = factories.submitted_report()
    client.force_login(factories.reviewer(provinces=[report.province]))
    response = client.post(reverse("reports:approve", args=[report.pk]), {"comment": ""})
    return response, lambda: _("The report was approved.")


def act_return(client):
    report = factories.submitted_report()
    client.force_login(factories.reviewer(provinces=[report.province]))
    response = client.post(reverse("reports:return", args=[report.pk]), {"comment": "Thiếu"})
    return response, lambda: _("The report was returned to its organisation for correction.")


def act_reopen(client):
    report = factories.approved_report()
    client.force_login(factories.admin_user())
    response = client.post(reverse("reports:reopen", args=[report.pk]), {"reason": "Sai số"})
    return response, lambda: _("The report was reopened and returned to its organisation.")


def act_attachment_add(client):
    report = factories.draft_report()
    client.force_login(report.created_by)
    upload = SimpleUploadedFile("evidence.pdf", small_pdf())
    response = client.post(reverse("reports:attachment_add", args=[report.pk]), {"file": upload})
    return response, lambda: _("The file was attached.")


def act_attachment_delete(client):
    report = factories.draft_report()
    attachment = services.attachment_add(
        actor=report.created_by,
        report_id=report.pk,
        upload=SimpleUploadedFile("evidence.pdf", small_pdf()),
    )
    client.force_login(report.created_by)
    response = client.post(reverse("reports:attachment_delete", args=[report.pk, attachment.pk]))
    return response, lambda: _("The file was removed.")


def act_period_lock(client):
    period = factories.period("2026-Q1")
    client.force_login(factories.admin_user())
    response = client.post(
        reverse("reports:period_lock", args=[period.pk]), {"locked": "1", "confirm": "on"}
    )
    return response, lambda: _("%(period)s is locked.") % {"period": period.label}


def act_period_unlock(client):
    period = factories.period("2026-Q1")
    client.force_login(factories.admin_user())
    response = client.post(
        reverse("reports:period_lock", args=[period.pk]), {"locked": "0", "confirm": "on"}
    )
    return response, lambda: _("%(period)s is open again.") % {"period": period.label}


def act_rebuild(client):
    client.force_login(factories.admin_user())
    response = client.post(reverse("summaries:rebuild"))
    from summaries.models import AggregationRun

    run = AggregationRun.objects.order_by("-pk").first()
    return (
        response,
        lambda: _("A full rebuild was started: %(status)s.") % {"status": run.get_status_display()},
    )


def act_two_factor_setup(client):
    client.force_login(factories.reporter())  # optional for reporters: not set up yet
    client.get(reverse("two_factor_setup"))
    pending = TOTPDevice(key=client.session["_portal_totp_key"])
    totp = TOTP(pending.bin_key, pending.step, pending.t0, pending.digits, pending.drift)
    response = client.post(reverse("two_factor_setup"), {"token": f"{totp.token():06d}"})
    return response, lambda: _("Two-factor authentication is on for your account.")


def act_backup_codes_renew(client):
    client.force_login(factories.reviewer())  # verified with a device by the test client
    response = client.post(reverse("two_factor_backup_codes"))
    return response, lambda: _("New backup codes made; the old ones no longer work.")


def act_password_change(client):
    user = factories.reporter()
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": factories.TEST_PASSWORD,
            "new_password1": "a-new-long-passphrase-2026",
            "new_password2": "a-new-long-passphrase-2026",
        },
    )
    return response, lambda: _("Your new password is set.")


ACTIONS = {
    "create": act_create,
    "save": act_save,
    "submit from the form": act_submit_from_the_form,
    "submit": act_submit,
    "withdraw": act_withdraw,
    "approve": act_approve,
    "return": act_return,
    "reopen": act_reopen,
    "attachment add": act_attachment_add,
    "attachment delete": act_attachment_delete,
    "period lock": act_period_lock,
    "period unlock": act_period_unlock,
    "rebuild": act_rebuild,
    "two-factor set-up": act_two_factor_setup,
    "backup codes": act_backup_codes_renew,
    "password change": act_password_change,
}


@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_success_message_is_english_after_switching_then_vietnamese_again(client, action):
    shown, expected = {}, {}

    for language in ["en", "vi"]:
        switch_language(client, language)
        response, message = ACTIONS[action](client)
        with translation.override(language):
            expected[language] = message()
        if action == "password change":  # Django's view says it on the page it leads to
            shown[language] = client.get(response["Location"]).content.decode()
        else:
            shown[language] = flashes(client, response)

    assert expected["en"] != expected["vi"]  # the message has a Vietnamese translation
    assert expected["en"] in shown["en"]
    assert expected["vi"] in shown["vi"]


EAGER = {"gettext", "ngettext", "pgettext", "npgettext"}
APPS = ["portal", "indicators", "reports", "summaries", "config"]


def _translated_at_import(path: Path) -> list[str]:
    """Calls of a non-lazy gettext outside any function: module constants, class attributes,
    default arguments and decorators, all evaluated once when the module is imported."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
        if alias.name in EAGER
    }
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                evaluated_now = [*child.args.defaults, *child.args.kw_defaults]
                evaluated_now += getattr(child, "decorator_list", [])
                for part in filter(None, evaluated_now):
                    visit(ast.Expression(part), in_function)
                visit(child, True)
                continue
            is_call = isinstance(child, ast.Call) and isinstance(child.func, ast.Name)
            if not in_function and is_call and child.func.id in names:
                found.append(f"{path}:{child.lineno}")
            visit(child, in_function)

    visit(tree, False)
    return found


def test_no_message_is_translated_once_at_import_time():
    root = Path(__file__).resolve().parents[2]
    sources = [
        path
        for app in APPS
        for path in (root / app).rglob("*.py")
        if "migrations" not in path.parts
    ]

    found = [place for path in sources for place in _translated_at_import(path)]

    assert found == []
