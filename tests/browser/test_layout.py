"""Every main page, for each role, in Vietnamese and English, at 1280x800 and 375x740: no sideways
scrolling, no console error, no 5xx, exactly one <h1>, and no serious or critical axe-core
violation of WCAG 2.2 AA.

One browser; each role logs in once and then switches language by its cookie and the window size
by resizing, so the whole walk stays within a few minutes. axe-core (static/vendor/axe-core, test
only, never linked from a template) is added from the portal's own static files, which the strict
Content-Security-Policy allows; an inline copy would be refused."""

import pytest
from django.conf import settings

from reports import services as report_services
from summaries import aggregation
from tests import factories
from tests.browser.test_workflow import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SIZES = [(1280, 800), (375, 740)]
AXE_URL = "/static/vendor/axe-core/axe.min.js"
# The innermost elements reaching past the window's right edge, to say what to fix.
WIDEST = """() => {
  const past = e => e.getBoundingClientRect().right > window.innerWidth + 1;
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (e.classList.length ? '.' + [...e.classList].join('.') : '');
  return [...document.querySelectorAll('body *')]
    .filter(e => past(e) && !e.closest('.table-responsive') && ![...e.children].some(past))
    .slice(0, 4).map(name).join(', ');
}"""
SETTLED = "new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def submitted_report(organisation, period_code: str, total: int, *, approve_by=None):
    report = factories.draft_report(organisation=organisation, period_code=period_code)
    report_services.report_update(
        actor=report.created_by,
        report_id=report.pk,
        content=report_services.ReportContent(
            title="Báo cáo địa chỉ tin cậy", figures=factories.figures_with_total(report, total)
        ),
        submit=True,
    )
    if approve_by:
        report_services.report_approve(reviewer=approve_by, report_id=report.pk)
    return report


def pages(role: str, report_pk: int, level_2_pk: int | None = None) -> list[str]:
    """The main pages the role may open (a refused page is tested elsewhere)."""
    paths = ["/", "/reports/"]
    if role == "reporter":
        paths += ["/reports/new/", "/reports/returned/"]
    else:
        paths.append("/reports/review/")
    paths += [
        f"/reports/{report_pk}/",
        "/reports/notifications/",
        "/summaries/?view=working&year=2026",
        "/summaries/?view=published&year=2026",
        "/summaries/releases/",
        "/summaries/completeness/",
        "/catalogue/",
    ]
    if role == "admin":
        paths += ["/reports/periods/", "/audit/", "/admin/"]
        if level_2_pk is not None:  # a two-level report waiting for the central union
            paths.append(f"/reports/{level_2_pk}/")
    if role == "reporter":  # the returned report's form; account pages
        paths += [
            f"/reports/{report_pk}/edit/",
            "/accounts/password_change/",
            "/accounts/two-factor/",
        ]
    return paths


VISITOR_PAGES = ["/accounts/login/", "/accounts/password_reset/"]


def check_page(page, path: str, problems: list[str], *, run_axe: bool, status: int = 200) -> None:
    errors: list[str] = []
    server_errors: list[str] = []
    on_console = lambda message: (  # noqa: E731
        message.type == "error" and errors.append(f"{message.text} {message.location.get('url')}")
    )
    on_page_error = lambda error: errors.append(str(error))  # noqa: E731
    on_response = lambda r: r.status >= 500 and server_errors.append(f"{r.status} {r.url}")  # noqa: E731
    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    page.on("response", on_response)
    try:
        page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})
        response = page.goto(path)
        page.wait_for_load_state("load")
        where = f"{page.evaluate('document.documentElement.lang')} {path}"
        if response is None or response.status != status:
            problems.append(f"{where}: status {response and response.status}, not {status}")
        if status != 200:  # the browser reports the page's own status as a console error
            errors[:] = [text for text in errors if f"status of {status}" not in text]
        headings = page.locator("h1").count()
        if headings != 1:
            problems.append(f"{where}: {headings} <h1>")
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            page.evaluate(SETTLED)  # the charts follow the window in the next frames
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                culprits = page.evaluate(WIDEST)
                problems.append(f"{where} at {width}px: {overflow}px sideways scroll: {culprits}")
            if run_axe:
                for violation in axe_violations(page):
                    problems.append(f"{where} at {width}px: {violation}")
        problems.extend(f"{where}: console: {text}" for text in errors)
        problems.extend(f"{where}: server: {text}" for text in server_errors)
    finally:
        page.remove_listener("console", on_console)
        page.remove_listener("pageerror", on_page_error)
        page.remove_listener("response", on_response)


def axe_violations(page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE_URL)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: tags}).then(r => r.violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => `${v.impact} ${v.id}: ${v.help} — ` + v.nodes.slice(0, 6)"
        ".map(n => n.target.join(' ')).join(' | ')))",
        AXE_TAGS,
    )
    return list(result)


def test_every_main_page_fits_and_passes_axe_for_every_role_and_language(new_page, live_server):
    assert (settings.BASE_DIR / "static" / "vendor" / "axe-core" / "axe.min.js").exists()
    hanoi = factories.province("01")
    organisation = factories.OrganisationFactory(name="Hội LHPN phường Ba Đình", province=hanoi)
    organisation.programmes.add(factories.programme())
    reporter = factories.reporter(organisation=organisation)
    reviewer = factories.reviewer(provinces=[hanoi])
    admin = factories.admin_user()
    submitted_report(organisation, "2026-Q1", 12, approve_by=reviewer)
    aggregation.rebuild_all()
    factories.publish(2026, 1, admin=admin)
    report = submitted_report(organisation, "2026-Q2", 7)
    report_services.report_return(
        reviewer=reviewer, report_id=report.pk, comment="Số liệu chưa khớp, xin kiểm tra lại."
    )
    neighbour = factories.OrganisationFactory(name="Hội LHPN phường Hoàn Kiếm", province=hanoi)
    neighbour.programmes.add(factories.programme())
    submitted_report(neighbour, "2026-Q2", 9)  # waits in the review queue
    two_levels = factories.programme("anti-trafficking")
    two_levels.approval_levels = 2
    two_levels.save(update_fields=["approval_levels"])
    level_2 = factories.submitted_report(
        organisation=neighbour, programme_code="anti-trafficking", period_code="2026-Q2"
    )
    report_services.report_approve(reviewer=reviewer, report_id=level_2.pk)  # waits at level 2

    problems: list[str] = []
    visitor = new_page("layout-visitor")
    for language in ("vi", "en"):
        visitor.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
        )
        for path in VISITOR_PAGES:
            check_page(visitor, path, problems, run_axe=True)
    visitor.context.close()
    for name, user in (("reporter", reporter), ("reviewer", reviewer), ("admin", admin)):
        page = new_page(f"layout-{name}")
        log_in(page, user)
        for language in ("vi", "en"):
            page.context.add_cookies(
                [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
            )
            for path in pages(name, report.pk, level_2.pk):
                check_page(page, path, problems, run_axe=True)
        if name == "reporter":  # the portal's own error pages
            check_page(page, "/reports/999999/", problems, run_axe=True, status=404)
            check_page(page, "/summaries/runs/", problems, run_axe=True, status=403)
        if name == "admin":
            use_the_phone_menu(page, problems)
        page.context.close()
        if name == "admin":  # the second factor asked at the next log-in
            again = new_page("layout-verify")
            again.goto("/accounts/login/")
            again.fill("input[name=username]", user.email)
            again.fill("input[name=password]", factories.TEST_PASSWORD)
            again.click("form:has(input[name=password]) button[type=submit]")
            again.wait_for_load_state()
            check_page(again, "/accounts/two-factor/verify/", problems, run_axe=True)
            again.context.close()
    assert not problems, "\n".join(problems)


def use_the_phone_menu(page, problems: list[str]) -> None:
    """On a phone the menu opens from the toggler, fits, and its language switch works."""
    page.set_viewport_size({"width": SIZES[1][0], "height": SIZES[1][1]})
    page.goto("/reports/")
    assert not page.locator("#mainnav").is_visible()
    page.click(".navbar-toggler")
    page.locator("#mainnav").wait_for(state="visible")
    page.click("#admin-menu")
    assert page.locator('a.dropdown-item[href="/audit/"]').is_visible()
    if page.evaluate("document.documentElement.scrollWidth - window.innerWidth") > 0:
        problems.append("the open phone menu scrolls sideways")
    page.click("#language-menu")
    page.click('#language-form button[value="vi"]')
    page.wait_for_load_state()
    assert page.url.endswith("/reports/")
    assert page.get_attribute("html", "lang") == "vi"
