"""Offline report entry in Chromium: the service worker opens the page without a connection,
IndexedDB keeps what was typed, the queue is sent when the connection returns (once, with the
version it was based on), a conflict is shown side by side, the worker's update replaces its
cache, and the browser's figure rules agree with the server's.

One browser for the module; each test has its own context (its own service worker, IndexedDB
and caches) against the shared live server. Waits are on conditions, never on the clock."""

import json
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.utils import translation
from django.utils.translation.trans_real import DjangoTranslation

from indicators.models import Indicator
from reports import services
from reports.api import figures_from_json
from reports.figures import check_complete, check_values, figure_rules, inputs_from_figures
from reports.models import ActivityReport, Figure, ReportEvent
from reports.offline import _indicator_json
from tests import factories
from tests.browser.conftest import CHROMIUM_FLAGS, chromium_path
from tests.browser.test_layout import SIZES, axe_violations
from tests.browser.test_workflow import fill_figures, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

STATIC = Path(__file__).resolve().parents[2] / "static" / "js" / "offline"
PERIOD = "2026-Q3"
OFFLINE_TEXT = (
    "You are offline. Reports entered on “Offline entry” are saved on this device and sent when "
    "the connection returns. Other pages need a connection."
)
SENT_FIELDS = [
    "key",
    "base_version",
    "organisation",
    "programme",
    "period",
    "title",
    "narrative",
    "commune",
    "figures",
    "submit",
]
STATE_TEXT = "Saved on this device, not yet sent."
QUEUED_TEXT = "%s report is saved on this device, not yet sent."
QUEUED_PLURAL = "%s reports are saved on this device, not yet sent."
CONTROLLED = "navigator.serviceWorker.ready.then(() => !!navigator.serviceWorker.controller)"
DEVICE_STATE = """() => new Promise(done => {
  const open = indexedDB.open('portal-offline');
  open.onsuccess = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains('drafts')) { db.close(); return done([]); }
    const all = db.transaction('drafts').objectStore('drafts').getAll();
    all.onsuccess = () => { db.close(); done(all.result); };
  };
  open.onerror = () => done(null);
})"""


@pytest.fixture(scope="module")
def chromium():
    executable = chromium_path()
    if not executable:
        pytest.skip("no Chromium: install Debian's chromium package (.ci/run does)")
    from playwright.sync_api import sync_playwright

    # What serialized_rollback restores each test's database from: kept on the connection, which
    # Django holds per context; under Playwright's event loop (kept for the module) the
    # connection is another object, which is handed the same contents.
    serialized = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an event loop in this thread; the ORM calls between steps
        # are ordinary synchronous calls.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            for alias, contents in serialized.items():
                connections[alias]._test_serialized_contents = contents
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
            yield browser
            browser.close()


@pytest.fixture
def device(chromium, live_server):
    """A fresh browser profile (a phone of its own): service worker, IndexedDB and caches."""
    context = chromium.new_context(base_url=live_server.url, service_workers="allow")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.shot = lambda step: None
    errors = []
    context.on("console", lambda m: m.type == "error" and errors.append(m.text))
    context.on("weberror", lambda e: errors.append(str(e.error)))
    page.errors = errors
    yield page
    context.close()


@pytest.fixture
def draft():
    organisation = factories.OrganisationFactory(
        name="Hội LHPN xã Mường Nhé", province=factories.province("01")
    )
    organisation.programmes.add(factories.programme())
    reporter = factories.reporter(organisation=organisation)
    report = factories.draft_report(organisation=organisation, author=reporter, period_code=PERIOD)
    return report, reporter


def installed(page, user) -> None:
    """Logged in, offline entry opened once online: the worker controls the page."""
    log_in(page, user)
    page.goto("/reports/offline/")
    page.wait_for_function(CONTROLLED)
    page.locator("#server-reports, #device-drafts").first.wait_for()


def go_offline(page) -> None:
    page.context.set_offline(True)
    page.wait_for_function("!navigator.onLine")


def go_online(page) -> None:
    page.context.set_offline(False)
    page.wait_for_function("navigator.onLine")


def figures_of(report) -> dict:
    return {
        k: vars(v) for k, v in inputs_from_figures(Figure.objects.filter(report=report)).items()
    }


def test_typed_offline_survives_a_closed_page_and_arrives_exactly(device, draft):
    report, reporter = draft
    installed(device, reporter)
    go_offline(device)

    device.click(f'a[href="#report={report.pk}"]')
    fill_figures(device, report, 17)
    device.fill("#f-narrative", "Hai buổi sinh hoạt nhóm tại thôn Nậm Kè.")
    device.click("#save-on-device")
    device.locator("#draft-state:not([hidden])").wait_for()
    page = device.context.new_page()
    device.close()  # closed; the browser (the phone) stays offline
    page.goto("/reports/offline/")
    page.click("#device-drafts a")
    typed = page.input_value('[name="TA-02__total"]'), page.input_value("#f-narrative")
    page.goto("/summaries/")  # any other page: it needs a connection
    needs_connection = page.locator("h1").inner_text()
    page.goto("/reports/offline/")
    page.locator("#device-drafts").wait_for()
    go_online(page)
    page.locator("#no-drafts").wait_for()

    assert typed == ("17", "Hai buổi sinh hoạt nhóm tại thôn Nậm Kè.")
    with translation.override("vi"):
        assert needs_connection == translation.gettext("This page needs a connection")
    report.refresh_from_db()
    assert report.narrative == "Hai buổi sinh hoạt nhóm tại thôn Nậm Kè."
    assert report.version == 2
    expected = {}
    for indicator in report.programme.indicators.all():
        if indicator.is_ratio:
            cells = {
                (d, c): 0 for d in indicator.disaggregations for c, _l in indicator.categories_of(d)
            }
            for d in indicator.disaggregations:
                cells[(d, indicator.categories_of(d)[0][0])] = 3
            expected[indicator.pk] = {"numerator": 3, "denominator": 4, "cells": cells}
        else:
            cells = {
                (d, c): 0 for d in indicator.disaggregations for c, _l in indicator.categories_of(d)
            }
            for d in indicator.disaggregations:
                cells[(d, indicator.categories_of(d)[0][0])] = 17
            expected[indicator.pk] = {"total": 17, "cells": cells}
    stored = figures_of(report)
    for pk, want in expected.items():
        got = stored[pk]
        if "total" in want:
            assert (got["total"], got["cells"]) == (want["total"], want["cells"])
        else:
            assert (got["numerator"], got["denominator"]) == (3, 4)
            assert got["numerators"] == want["cells"]
            assert got["denominators"] == {k: (4 if v else 0) for k, v in want["cells"].items()}


def test_a_conflict_shows_both_versions_and_loses_neither(device, draft):
    report, reporter = draft
    colleague = factories.reporter(organisation=report.organisation)
    installed(device, reporter)
    go_offline(device)
    device.click(f'a[href="#report={report.pk}"]')
    fill_figures(device, report, 8)
    device.fill("#f-narrative", "Bản của điện thoại")
    device.click("#save-on-device")
    device.locator("#draft-state:not([hidden])").wait_for()
    services.report_update(
        actor=colleague,
        report_id=report.pk,
        content=services.ReportContent(
            title=report.title,
            narrative="Bản của đồng nghiệp",
            figures=factories.figures_with_total(report, 5),
        ),
    )

    go_online(device)
    device.goto("/reports/offline/")
    device.click("#device-drafts a")
    device.locator("#conflict").wait_for()
    sides = (
        device.inner_text("#device-version .version-narrative"),
        device.inner_text("#server-version .version-narrative"),
    )
    device.set_viewport_size({"width": SIZES[1][0], "height": SIZES[1][1]})
    overflow = device.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    problems = axe_violations(device)
    device.click("#send-mine")
    device.locator("#no-drafts").wait_for()

    assert sides == ("Bản của điện thoại", "Bản của đồng nghiệp")
    assert overflow <= 0
    assert problems == []
    report.refresh_from_db()
    assert report.narrative == "Bản của điện thoại"
    assert report.version == 3
    total = Indicator.objects.get(code="TA-02").pk
    assert figures_of(report)[total]["total"] == 8
    # The colleague's version stays readable in the report's and its figures' history.
    assert ActivityReport.history.filter(id=report.pk, narrative="Bản của đồng nghiệp").exists()
    assert Figure.history.filter(report_id=report.pk, indicator_id=total, value=5).exists()


def test_a_submission_made_offline_arrives_once_and_logging_out_clears_the_device(device, draft):
    report, reporter = draft
    installed(device, reporter)
    go_offline(device)
    device.click(f'a[href="#report={report.pk}"]')
    fill_figures(device, report, 4)
    device.click("#submit-on-device")
    device.locator("#draft-state:not([hidden])").wait_for()
    queued = device.evaluate(DEVICE_STATE)
    go_online(device)
    device.locator("#no-drafts").wait_for()
    token = device.request.get("/reports/offline/data/").json()["csrf_token"]
    # The same change sent again (an answer lost on the way): the same key.
    body = {name: queued[0][name] for name in SENT_FIELDS}
    body["report"] = queued[0]["report_id"]
    again = device.request.post(
        "/reports/offline/sync/",
        data=json.dumps(body),
        headers={"Content-Type": "application/json", "X-CSRFToken": token},
    )
    device.click("#account-menu")
    device.click("#logout-form button")
    device.wait_for_url("**/accounts/login/**")
    left = device.evaluate(
        "Promise.all([indexedDB.databases(), caches.keys(),"
        " navigator.serviceWorker.getRegistrations()])"
        ".then(([dbs, keys, workers]) => [dbs.map(d => d.name), keys, workers.length])"
    )

    assert [d["submit"] for d in queued] == [True]
    assert again.status == 200 and again.json()["repeated"] is True
    report.refresh_from_db()
    assert report.status == ActivityReport.Status.SUBMITTED
    assert report.events.filter(kind=ReportEvent.Kind.SUBMITTED).count() == 1
    assert left == [[], [], 0]


def test_a_new_worker_version_replaces_the_old_cache(device, draft, settings):
    _report, reporter = draft
    installed(device, reporter)
    before = device.evaluate("caches.keys()")

    settings.OFFLINE_APP_VERSION = "next"
    device.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
    device.wait_for_function(
        "old => caches.keys().then(k => k.length === 1 && k[0] !== old)", arg=before[0]
    )
    after = device.evaluate("caches.keys()")

    assert len(before) == 1 and before[0].startswith("portal-offline-")
    assert after[0].startswith("portal-offline-") and after != before


def test_offline_banner_and_queued_state_in_both_languages_fit_a_phone_and_pass_axe(
    device, draft, live_server
):
    report, reporter = draft
    installed(device, reporter)
    device.set_viewport_size({"width": SIZES[1][0], "height": SIZES[1][1]})
    seen = {}
    problems = []
    for language in ("vi", "en"):
        go_online(device)
        device.context.add_cookies(
            [
                {
                    "name": django_settings.LANGUAGE_COOKIE_NAME,
                    "value": language,
                    "url": live_server.url,
                }
            ]
        )
        device.goto("/reports/offline/")
        device.locator("#no-drafts").wait_for()  # the draft saved in the other language is sent
        go_offline(device)
        device.goto(f"/reports/offline/#report={report.pk}")
        device.fill('[name="TA-01__total"]', "3")
        device.click("#save-on-device")
        device.locator("#offline-banner p").nth(1).wait_for()
        seen[language] = (device.inner_text("#offline-banner"), device.inner_text("#draft-state"))
        overflow = device.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            problems.append(f"{language}: {overflow}px sideways")
        # The button just clicked is still hovered and focused, its colours mid-transition:
        # axe reads the page at rest, as a person reads it.
        device.mouse.move(0, 0)
        device.evaluate("document.activeElement && document.activeElement.blur()")
        device.evaluate("Promise.all(document.getAnimations().map(a => a.finished))")
        problems += [f"{language}: {v}" for v in axe_violations(device)]

    for language in ("vi", "en"):
        banner, state = seen[language]
        scripts = DjangoTranslation(language, domain="djangojs")  # the scripts' catalogue
        assert scripts.gettext(STATE_TEXT) in state
        assert scripts.gettext(OFFLINE_TEXT) in banner
        assert scripts.ngettext(QUEUED_TEXT, QUEUED_PLURAL, 1) % 1 in banner
    assert seen["vi"] != seen["en"]
    assert problems == []


CASES = [
    # (figures as the device sends them, submit)
    ({"TA-01": {"total": 3}}, False),
    ({"TA-01": {"total": -1}}, False),
    ({"TA-01": {"total": "12a"}}, False),
    ({"TA-01": {"total": 20_000_000}}, False),
    ({"TA-01": {"total": 2, "not_applicable": True}}, False),
    ({"TA-01": {"not_applicable": True}}, True),
    ({"TA-01": {"total": 1234}}, True),
    ({"TA-02": {"total": 1500, "cells": {"sex": {"female": 1000, "male": 20}}}}, True),
    (
        {
            "TA-02": {
                "total": 5,
                "cells": {
                    "sex": {"female": 5},
                    "age": {"18-24": 2, "unknown": 3},
                    "disability": {"unknown": 5},
                },
            }
        },
        True,
    ),
    ({"TA-02": {"total": 5, "cells": {"sex": {"female": 5, "male": -2}}}}, True),
    ({"PRO-02": {"numerator": 5, "denominator": 3}}, False),
    ({"PRO-02": {"numerator": 2, "denominator": 3}}, True),
    (
        {
            "PRO-02": {
                "numerator": 2,
                "denominator": 3,
                "cells": {
                    "sex": {"female": {"numerator": 4, "denominator": 3}},
                },
            }
        },
        False,
    ),
    (
        {
            "PRO-02": {
                "numerator": 2,
                "denominator": 3,
                "cells": {
                    "sex": {"female": {"numerator": 2, "denominator": 3}},
                    "age": {"unknown": {"numerator": 1, "denominator": 3}},
                },
            }
        },
        True,
    ),
    ({"PRO-02": {"numerator": None, "denominator": 3}}, True),
]


def test_the_browser_applies_the_server_figure_rules_exactly(chromium):
    indicators = list(factories.programme().indicators.order_by("pillar", "code"))
    page = chromium.new_page()
    page.set_content("<!doctype html><title>rules</title>")
    page.add_script_tag(path=STATIC / "rules.js")
    disagreements = []
    said = ""
    for language in ("vi", "en"):
        with translation.override(language):
            rules = figure_rules()
            described = [_indicator_json(i) for i in indicators]
            for figures, submit in CASES:
                inputs = figures_from_json(figures, indicators)
                server = check_values(indicators, inputs)
                if submit and not server:
                    server = check_complete(indicators, inputs)
                browser = page.evaluate(
                    "([i, f, r, s]) => PortalRules.validate(i, f, r, s)",
                    [described, figures, rules, submit],
                )
                said += " ".join(m for messages in server.values() for m in messages)
                if browser != server:
                    disagreements.append((language, figures, submit, server, browser))
    page.close()

    assert disagreements == []
    # The cases reach every rule: each message of the rules appears in some answer.
    assert {
        key for key, message in rules["messages"].items() if message.split("%")[0] in said
    } == set(rules["messages"])
