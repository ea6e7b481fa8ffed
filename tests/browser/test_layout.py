"""Every main page, for each role, in Vietnamese and English, at 1280x800 and 375x740: no sideways
scrolling, no console error, no 5xx, exactly one <h1>, and no serious or critical axe-core
violation of WCAG 2.2 AA.

One browser; each role logs in once and then switches language by its cookie and the window size
by resizing, so the whole walk stays within a few minutes. axe-core (tests/browser/vendor/axe-core,
test only, never among the static files) is added as a script of the portal's own origin, which the
strict Content-Security-Policy allows (an inline copy would be refused); Playwright answers that
request from the test's copy, so the server never has it."""

from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.test import RequestFactory
from django.urls import path as url_path
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from config import urls as portal_urls
from portal.api_tokens import token_create
from reports import services as report_services
from reports.spending import SpendingInput
from summaries import aggregation
from tests import factories
from tests.browser.test_workflow import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SIZES = [(1280, 800), (375, 740)]
AXE_URL = "/test-only/axe-core/axe.min.js"
AXE_FILE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
# The innermost elements reaching past the window's right edge, to say what to fix.
WIDEST = """() => {
  const past = e => e.getBoundingClientRect().right > window.innerWidth + 1;
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (e.classList.length ? '.' + [...e.classList].join('.') : '');
  return [...document.querySelectorAll('body *')]
    .filter(e => past(e) && !e.closest('.table-responsive') && ![...e.children].some(past))
    .slice(-4).map(name).join(', ');  // the last: the innermost and latest in the page
}"""
SETTLED = "new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def submitted_report(organisation, period_code: str, total: int, *, approve_by=None):
    report = factories.draft_report(organisation=organisation, period_code=period_code)
    report_services.report_update(
        actor=report.created_by,
        report_id=report.pk,
        content=report_services.ReportContent(
            title="Báo cáo địa chỉ tin cậy",
            figures=factories.figures_with_total(report, total),
            # Spending too, so that the report page, its form and the summaries show their tables.
            spending=[
                SpendingInput(
                    amount=1_234_500_000,
                    source="state_provincial",
                    pillar=report.programme.default_pillar,
                )
            ],
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
        paths += ["/reports/new/", "/reports/returned/", "/reports/import/"]
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
        "/catalogue/programmes/anti-trafficking/",
        "/catalogue/programmes/trusted-address/",
        "/catalogue/indicators/PRO-01/",
    ]
    if role == "admin":
        paths += [
            "/reports/periods/",
            "/reports/import/",
            "/audit/",
            "/summaries/runs/",
            "/summaries/nap-report/",
            "/admin/",
        ]
        if level_2_pk is not None:  # a two-level report waiting for the central union
            paths.append(f"/reports/{level_2_pk}/")
    if role == "reporter":  # the returned report's form; account pages
        paths += [
            f"/reports/{report_pk}/edit/",
            "/accounts/password_change/",
            "/accounts/two-factor/",
            "/accounts/api-tokens/",
        ]
    return paths


VISITOR_PAGES = ["/accounts/login/", "/accounts/password_reset/"]


def check_page(page, path: str, problems: list[str], *, run_axe: bool, status: int = 200) -> None:
    errors: list[str] = []
    server_errors: list[str] = []
    on_console = lambda message: (  # noqa: E731
        message.type == "error"
        # axe itself restores style attributes that the strict CSP refuses: the test's noise
        and not message.location.get("url", "").endswith(AXE_URL)
        and errors.append(f"{message.text} {message.location.get('url')}")
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
        if status >= 500 and response is not None:  # the page under test, not a failure of it
            server_errors[:] = [
                e for e in server_errors if e != f"{response.status} {response.url}"
            ]
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
    if not getattr(page.context, "serves_axe", False):
        page.context.route(
            f"**{AXE_URL}",
            lambda route: route.fulfill(path=AXE_FILE, content_type="text/javascript"),
        )
        page.context.serves_axe = True
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


@pytest.mark.parametrize(
    "language", ["vi", "en"]
)  # two tests, so that xdist runs them side by side
def test_every_main_page_fits_and_passes_axe_for_every_role_and_language(
    new_page, live_server, language
):
    assert AXE_FILE.exists()
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
    # A token, so that the API tokens page shows its table.
    token_create(
        actor=reporter, user=reporter, name="Bảng điều khiển tỉnh", days=90, verified=False
    )

    problems: list[str] = []
    visitor = new_page(f"layout-visitor-{language}")
    set_language(visitor, live_server, language)
    for path in VISITOR_PAGES:
        check_page(visitor, path, problems, run_axe=True)
    visitor.context.close()
    for name, user in (("reporter", reporter), ("reviewer", reviewer), ("admin", admin)):
        page = new_page(f"layout-{name}-{language}")
        log_in(page, user)
        set_language(page, live_server, language)
        for path in pages(name, report.pk, level_2.pk):
            check_page(page, path, problems, run_axe=True)
        if name == "reporter":  # the portal's own error pages
            check_page(page, "/reports/999999/", problems, run_axe=True, status=404)
            check_page(page, "/summaries/runs/", problems, run_axe=True, status=403)
        if name == "admin":
            use_the_phone_menu(page, problems)
        page.context.close()
        if name == "admin":  # the second factor asked at the next log-in
            again = new_page(f"layout-verify-{language}")
            again.goto("/accounts/login/")
            again.fill("input[name=username]", user.email)
            again.fill("input[name=password]", factories.TEST_PASSWORD)
            again.click("form:has(input[name=password]) button[type=submit]")
            again.wait_for_load_state()
            set_language(again, live_server, language)
            check_page(again, "/accounts/two-factor/verify/", problems, run_axe=True)
            again.context.close()
    assert not problems, "\n".join(problems)


def use_the_phone_menu(page, problems: list[str]) -> None:
    """On a phone the menu opens from the toggler, fits, and its language switch works."""
    page.set_viewport_size({"width": SIZES[1][0], "height": SIZES[1][1]})
    page.goto("/reports/")
    assert not page.locator("#mainnav").is_visible()
    page.click(".navbar-toggler")
    page.locator("#mainnav.collapse.show").wait_for()  # opened, no longer sliding (`.collapsing`)
    page.click("#admin-menu")
    page.locator('a.dropdown-item[href="/audit/"]').wait_for(state="visible")
    page.evaluate(SETTLED)
    if page.evaluate("document.documentElement.scrollWidth - window.innerWidth") > 0:
        problems.append(f"the open phone menu scrolls sideways: {page.evaluate(WIDEST)}")
    page.click("#language-menu")
    page.click('#language-form button[value="vi"]')
    page.wait_for_load_state()
    assert page.url.endswith("/reports/")
    assert page.get_attribute("html", "lang") == "vi"


def set_language(page, live_server, language: str) -> None:
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )


def reset_link(user) -> str:
    """The link of the password-reset e-mail, as Django's PasswordResetForm builds it."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse(
        "password_reset_confirm",
        kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)},
    )


def test_password_reset_pages_from_the_e_mail_link_fit_and_pass_axe(new_page, live_server):
    """The e-mail sent, the link's form for a new password, the page after it, and the same link
    used a second time."""
    user = factories.reporter()
    problems: list[str] = []
    page = new_page("layout-reset")
    for number, language in enumerate(("vi", "en")):
        set_language(page, live_server, language)
        check_page(page, "/accounts/password_reset/done/", problems, run_axe=True)
        user.refresh_from_db()
        link = reset_link(user)
        check_page(page, link, problems, run_axe=True)
        assert page.url.endswith("/set-password/")  # Django moves the token into the session
        page.fill("input[name=new_password1]", f"mua-thu-ha-noi-{number}-la-vang")
        page.fill("input[name=new_password2]", f"mua-thu-ha-noi-{number}-la-vang")
        page.click("main button[type=submit]")
        page.wait_for_url("**/accounts/reset/done/")
        check_page(page, "/accounts/reset/done/", problems, run_axe=True)
        check_page(page, link, problems, run_axe=True)  # used: the page says so
        assert page.locator("main .alert-warning").count() == 1
        assert page.locator("input[name=new_password1]").count() == 0
    assert not problems, "\n".join(problems)


@login_not_required
def fail_on_purpose(request):
    raise RuntimeError("a fault made on purpose by the browser test of the 500 page")


# The portal's URLs plus one that fails: the real 500 page through Django's own handler, with no
# URL of the kind in production.
urlpatterns = [url_path("test-only/fail/", fail_on_purpose), *portal_urls.urlpatterns]


@pytest.mark.urls(__name__)
def test_the_500_page_fits_and_passes_axe(new_page, live_server, caplog):
    problems: list[str] = []
    page = new_page("layout-500")
    for language in ("vi", "en"):
        set_language(page, live_server, language)
        with caplog.at_level("CRITICAL", logger="django.request"):  # the expected traceback
            check_page(page, "/test-only/fail/", problems, run_axe=True, status=500)
        assert page.get_attribute("html", "lang") == language
        assert page.locator("main a[href='/']").count() == 1
    assert not problems, "\n".join(problems)


def admin_pages(user) -> list[str]:
    """The admin's index, each application's index, and the list, add form and change form of
    every registered model (of its first object), as far as the user may open them."""
    request = RequestFactory().get("/admin/")
    request.user = user
    paths = ["/admin/"]
    no_object = []
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        app_index = reverse("admin:app_list", args=[opts.app_label])
        if app_index not in paths:
            paths.append(app_index)
        name = f"admin:{opts.app_label}_{opts.model_name}"
        if model_admin.has_view_or_change_permission(request):
            paths.append(reverse(f"{name}_changelist"))
        if model_admin.has_add_permission(request):
            paths.append(reverse(f"{name}_add"))
        first = model_admin.get_queryset(request).order_by("pk").first()
        if first is None:
            no_object.append(opts.label)
        elif model_admin.has_view_or_change_permission(request, first):
            paths.append(reverse(f"{name}_change", args=[first.pk]))
    assert not no_object, f"no object to open the change form of: {no_object}"
    return paths


@pytest.mark.parametrize(
    "language", ["vi", "en"]
)  # two tests, so that xdist runs them side by side
def test_every_admin_page_fits_and_passes_axe_for_a_superuser(new_page, live_server, language):
    """A superuser opens everything the admin has, so every model's pages are walked.

    Every page is checked for fit, status, one heading and console or server errors in both
    languages. axe-core, the slow part, checks every page in Vietnamese (the portal's first
    language) and the admin's index and application indexes in English: the same templates and
    widgets with other words, so a missing accessible name would show in Vietnamese first."""
    organisation = factories.OrganisationFactory(name="Hội LHPN phường Ba Đình")
    organisation.programmes.add(factories.programme())
    factories.draft_report(organisation=organisation, period_code="2026-Q2")
    superuser = factories.admin_user(user__full_name="Nguyễn Thị Quản Trị")
    superuser.is_superuser = True
    superuser.save(update_fields=["is_superuser"])
    Group.objects.create(name="Biên tập danh mục").permissions.set(
        Permission.objects.filter(codename__in=["view_indicator", "change_indicator"])
    )
    token_create(actor=superuser, user=superuser, name="Bảng điều khiển", days=30, verified=True)
    factories.dhis2_mappings()
    seen_from = {"user_agent": "Chromium", "ip_address": "203.0.113.9", "http_accept": "*/*"}
    AccessAttempt.objects.create(  # a stranger's failed log-ins, for axes' lists
        username="khach@example.org",
        path_info="/accounts/login/",
        get_data="",
        post_data="username=khach@example.org",
        failures_since_start=2,
        **seen_from,
    )
    AccessFailureLog.objects.create(
        username="khach@example.org", path_info="/accounts/login/", **seen_from
    )
    page = new_page(f"layout-superuser-{language}")
    log_in(page, superuser)  # the two-factor set-up gives it its devices

    problems: list[str] = []
    set_language(page, live_server, language)
    for path in admin_pages(superuser):
        index = path.count("/") <= 3  # /admin/ and /admin/<app>/
        check_page(page, path, problems, run_axe=language == "vi" or index)
    assert not problems, "\n".join(problems)


# Wide lists: (role, path, headings kept on a phone, headings hidden on a phone).
WIDE_LISTS = [
    (
        "reporter",
        "/reports/",
        ["Report", "Organisation", "Period", "Status"],
        ["Pillars", "Province", "Updated"],
    ),
    (
        "reporter",
        "/reports/returned/",
        ["Report", "Organisation", "Period", "Status"],
        ["Pillars", "Province", "Updated"],
    ),
    (
        "reviewer",
        "/reports/review/",
        ["Report", "Organisation", "Period", "Status"],
        ["Pillars", "Province", "Submitted"],
    ),
    (
        "admin",
        "/audit/",
        ["Time", "Action", "Outcome", "E-mail"],
        ["Organisation", "Object", "Detail", "Source address"],
    ),
    (
        "admin",
        "/summaries/releases/",
        ["Release", "Published", "Files"],
        ["Cells", "Hidden", "Note"],
    ),
    ("admin", "/reports/periods/", ["Period", "Deadline", "State"], ["Dates"]),
    (
        "admin",
        "/summaries/runs/",
        ["Queued at", "Status", "Scope", "Error"],
        ["Kind", "Summary rows", "Duration"],
    ),
    ("reporter", "/catalogue/", ["Code", "Indicator", "Baselines and targets"], ["Unit"]),
    (
        "admin",
        "/summaries/completeness/",
        ["Province", "Reported", "Reporting rate", "On-time rate"],
        ["Expected", "On time"],
    ),
]
HEADINGS = """() => [...document.querySelectorAll('main table thead th')]
  .map(th => [th.textContent.trim(), th.getClientRects().length > 0])"""
INNER_SCROLL = """() => [...document.querySelectorAll('main .table-responsive')]
  .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.scrollWidth - e.clientWidth)"""


def test_wide_lists_hide_their_secondary_columns_on_a_phone_and_show_them_on_a_desk(
    new_page, live_server
):
    hanoi = factories.province("01")
    organisation = factories.OrganisationFactory(name="Hội LHPN phường Ba Đình", province=hanoi)
    organisation.programmes.add(factories.programme())
    users = {
        "reporter": factories.reporter(organisation=organisation),
        "reviewer": factories.reviewer(provinces=[hanoi]),
        "admin": factories.admin_user(),
    }
    submitted_report(organisation, "2026-Q1", 12, approve_by=users["reviewer"])
    aggregation.rebuild_all()
    factories.publish(2026, 1, admin=users["admin"])
    returned = submitted_report(organisation, "2026-Q2", 7)
    report_services.report_return(
        reviewer=users["reviewer"], report_id=returned.pk, comment="Số liệu chưa khớp."
    )
    submitted_report(organisation, "2026-Q3", 9)  # waits in the review queue

    problems: list[str] = []
    for role in ("reporter", "reviewer", "admin"):
        page = new_page(f"columns-{role}")
        log_in(page, users[role])
        set_language(page, live_server, "en")
        for _role, path, kept, secondary in (row for row in WIDE_LISTS if row[0] == role):
            page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})
            page.goto(path)
            assert page.locator("main table tbody tr").count() > 0, path
            for (width, height), phone in ((SIZES[0], False), (SIZES[1], True)):
                page.set_viewport_size({"width": width, "height": height})
                page.evaluate(SETTLED)
                shown = [text for text, visible in page.evaluate(HEADINGS) if visible]
                for heading in kept + secondary:
                    is_shown = any(text.startswith(heading) for text in shown)
                    if is_shown != (heading in kept or not phone):
                        problems.append(f"{path} at {width}px: {heading!r} shown={is_shown}")
                if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
                    problems.append(f"{path} at {width}px: the page scrolls sideways")
                if phone and page.evaluate(INNER_SCROLL):
                    problems.append(f"{path} at {width}px: the table scrolls sideways")
            page.shot(path.strip("/").replace("/", "-"))
        page.context.close()
    assert not problems, "\n".join(problems)
