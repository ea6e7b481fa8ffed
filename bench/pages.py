"""Every page for every role at scale: time, SQL queries and query plans.

    DATABASE_URL=postgres://... python manage.py seed_demo --reports 100000
    DATABASE_URL=postgres://... python bench/pages.py time [--repeat 21]
    DATABASE_URL=postgres://... python bench/pages.py explain

`time`: each page through Django's test client (the whole middleware, view and template stack, no
network), logged in as the demo reporter, reviewer and admin; asked once to warm up, then
`--repeat` times, in rounds so that a burst of load on the machine touches every page alike
(`--only working` times only the pages whose label has "working"). Printed: queries per
request, median and p95 milliseconds, the median as a ratio to the floor
(a logged-in request to a view that runs `SELECT 1` and returns a word, through the same
middleware, measured in the same run) and to the same page for the admin. The goals of issue 14:
median < 100 ms, p95 < 250 ms, and within 2x of the admin's page. Last, the warm-up request
("first"): what a page costs before anything is cached (the working figures' cube: the run
starts with a new summaries version; a release's cells, read once per process).

`explain`: each page's queries, captured at the cursor, run again under `EXPLAIN (FORMAT JSON)`;
a table of the sequential scans on the large tables (reports, figures, their history, events,
summaries, release cells, notifications). Goal: none.

Sessions and devices made for the run are rolled back.
"""

import argparse
import statistics
import sys
import time
from dataclasses import dataclass

LARGE_TABLES = {
    "reports_activityreport",
    "reports_figure",
    "reports_historicalactivityreport",
    "reports_historicalfigure",
    "reports_reportevent",
    "reports_reportpillar",
    "reports_notification",
    "indicators_provincialsummary",
    "summaries_releasecell",
}
MEDIAN_GOAL_MS, P95_GOAL_MS, ADMIN_RATIO_GOAL = 100, 250, 2.0
FLOOR_PATH = "/bench-floor/"


@dataclass
class Page:
    label: str
    role: str
    url: str


def floor_urlconf():
    """The portal's URLs plus the floor: a logged-in request whose view runs `SELECT 1`."""
    import types

    from django.db import connection
    from django.http import HttpResponse
    from django.urls import path

    from config import urls

    def floor(request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return HttpResponse("ok")

    module = types.ModuleType("bench_floor_urls")
    module.urlpatterns = [*urls.urlpatterns, path(FLOOR_PATH.strip("/") + "/", floor)]
    sys.modules[module.__name__] = module
    return module.__name__


def pages() -> list[Page]:
    """The pages each demo role may open, on the demo's data."""
    from django.urls import reverse

    from indicators.models import Indicator, Programme
    from portal.demo import demo_email
    from portal.models import Membership, User
    from reports.models import ActivityReport, ReportingPeriod
    from summaries.models import Release

    reporter = User.objects.get(email=demo_email("reporter"))
    reviewer = User.objects.get(email=demo_email("reviewer"))
    organisation_ids = reporter.organisation_ids(Membership.Role.REPORTER)
    own = ActivityReport.objects.filter(organisation_id__in=organisation_ids)
    own_report = own.order_by("-pk").first()
    editable = own.filter(status__in=["draft", "returned"]).order_by("-pk").first()
    provinces, _organisations = reviewer.review_scope()
    in_queue = (
        ActivityReport.objects.filter(status="submitted", province_id__in=provinces)
        .exclude(created_by=reviewer)
        .order_by("submitted_at")
        .first()
    )
    year = Release.objects.order_by("-year").values_list("year", flat=True).first()
    indicator = Indicator.objects.filter(is_active=True).order_by("code").first()
    programme = Programme.objects.filter(is_active=True).order_by("code").first()
    period = (
        ReportingPeriod.objects.filter(kind="quarter", is_locked=True).order_by("-end_date").first()
    )
    reviewer_province = reviewer.review_scope()[0]
    province_code = (
        ActivityReport.objects.filter(province_id__in=reviewer_province)
        .values_list("province__code", flat=True)
        .first()
    )
    summaries = reverse("summaries:index")
    completeness = reverse("summaries:completeness")
    common = [
        ("home", "/"),
        ("report list", reverse("reports:list")),
        ("report list, page 3", reverse("reports:list") + "?page=3"),
        ("report list, approved", reverse("reports:list") + "?status=approved"),
        ("notifications", reverse("reports:notifications")),
        ("summaries, published", f"{summaries}?view=published&year={year}"),
        ("summaries, page 2", f"{summaries}?view=published&year={year}&page=2"),
        (
            "summaries, chart of one indicator",
            f"{summaries}?view=published&year={year}&indicator={indicator.code}",
        ),
        ("summaries, earlier year", f"{summaries}?view=published&year={year - 1}"),
        ("releases", reverse("summaries:releases")),
        ("completeness", completeness),
        (
            "completeness, one province",
            f"{completeness}?period={period.pk}&province={province_code}",
        ),
        ("catalogue", reverse("indicators:catalogue")),
        ("indicator", reverse("indicators:indicator_detail", args=[indicator.code])),
        ("programme", reverse("indicators:programme_detail", args=[programme.code])),
    ]
    by_role: dict[str, list[tuple[str, str]]] = {
        "reporter": [
            *common,
            ("report page", own_report.get_absolute_url()),
            ("returned reports", reverse("reports:returned")),
            ("new report", reverse("reports:create")),
            ("edit report", reverse("reports:edit", args=[editable.pk])),
        ],
        "reviewer": [
            *common,
            ("report page", in_queue.get_absolute_url()),
            ("review queue", reverse("reports:queue")),
            ("review queue, page 2", reverse("reports:queue") + "?page=2"),
            ("overdue reports", reverse("reports:overdue")),
            ("summaries, working", f"{summaries}?view=working&year={year}"),
        ],
        "admin": [
            *common,
            ("report page", in_queue.get_absolute_url()),
            ("review queue", reverse("reports:queue")),
            ("overdue reports", reverse("reports:overdue")),
            ("overdue reports, page 2", reverse("reports:overdue") + "?page=2"),
            ("review queue, page 2", reverse("reports:queue") + "?page=2"),
            ("summaries, working", f"{summaries}?view=working&year={year}"),
            ("aggregation runs", reverse("summaries:runs")),
            ("periods", reverse("reports:periods")),
            ("audit log", reverse("audit_log")),
        ],
    }
    return [Page(label, role, url) for role, items in by_role.items() for label, url in items]


def logged_in(role: str):
    """A test client past the login and, for reviewers and admins, the second factor."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from portal.demo import demo_email
    from portal.models import User

    user = User.objects.get(email=demo_email(role))
    client = Client()
    client.force_login(user)
    if user.needs_two_factor:
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench")
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


class Recorder:
    """Every statement a request runs, counted at the cursor (request_started clears Django's
    own query log)."""

    def __init__(self):
        self.statements: list[tuple[str, object]] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append((sql, params))
        return execute(sql, params, many, context)


def get(client, url: str):
    from django.db import connection

    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url}: status {response.status_code}")
    return recorder.statements


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def run_time(repeat: int, only: str = "") -> None:
    from django.db import connection

    from summaries import versions

    clients = {role: logged_in(role) for role in ("reporter", "reviewer", "admin")}
    every = [page for page in pages() if only in page.label]
    versions.bump()  # nothing cached from an earlier run: the warm-up requests build it (undone)
    queries, first = {}, {}
    for page in every:  # warm up (the first request shows the cold cost), then count, warm
        start = time.perf_counter()
        clients[page.role].get(page.url)
        first[page.label, page.role] = (time.perf_counter() - start) * 1000
        queries[page.label, page.role] = len(get(clients[page.role], page.url))
    get(clients["admin"], FLOOR_PATH)
    samples: dict[tuple[str, str], list[float]] = {key: [] for key in queries}
    floor_samples, select_samples = [], []
    for _ in range(repeat):
        for page in every:
            start = time.perf_counter()
            clients[page.role].get(page.url)
            samples[page.label, page.role].append((time.perf_counter() - start) * 1000)
        for client in clients.values():
            start = time.perf_counter()
            client.get(FLOOR_PATH)
            floor_samples.append((time.perf_counter() - start) * 1000)
        with connection.cursor() as cursor:
            start = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            select_samples.append((time.perf_counter() - start) * 1000)
    floor = statistics.median(floor_samples)
    print(
        f"floor: a logged-in request running SELECT 1 = {floor:.2f} ms median "
        f"(a bare SELECT 1 round trip: {statistics.median(select_samples):.3f} ms)"
    )
    header = f"{'page':36} {'role':9} {'queries':>7} {'median':>8} {'p95':>8} {'x floor':>8} "
    print(header + f"{'x admin':>8} {'first':>8}")
    worst = {"median": 0.0, "p95": 0.0, "admin": 0.0}
    failures = []
    for page in every:
        times = samples[page.label, page.role]
        median, high = statistics.median(times), p95(times)
        admin_times = samples.get((page.label, "admin"))
        versus = median / statistics.median(admin_times) if admin_times else None
        print(
            f"{page.label:36} {page.role:9} {queries[page.label, page.role]:>7} {median:>8.1f} "
            f"{high:>8.1f} {median / floor:>8.1f} "
            + (f"{versus:>8.2f}" if versus is not None else f"{'':>8}")
            + f" {first[page.label, page.role]:>8.1f}"
        )
        worst["median"] = max(worst["median"], median)
        worst["p95"] = max(worst["p95"], high)
        if versus is not None:
            worst["admin"] = max(worst["admin"], versus)
        if median >= MEDIAN_GOAL_MS or high >= P95_GOAL_MS or (versus or 0) > ADMIN_RATIO_GOAL:
            failures.append(f"{page.label} ({page.role})")
    print(
        f"slowest median {worst['median']:.1f} ms ({worst['median'] / floor:.1f}x floor), "
        f"slowest p95 {worst['p95']:.1f} ms ({worst['p95'] / floor:.1f}x floor), "
        f"worst ratio to the admin's page {worst['admin']:.2f}"
    )
    goals = f"median < {MEDIAN_GOAL_MS} ms, p95 < {P95_GOAL_MS} ms, <= {ADMIN_RATIO_GOAL}x admin"
    if failures:
        print(f"ABOVE the goals ({goals}): " + ", ".join(failures))
    else:
        print(f"every page within the goals ({goals})")


def seq_scans(plan: dict) -> list[str]:
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in LARGE_TABLES:
        found.append(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found += seq_scans(child)
    return found


def run_explain() -> None:
    import json

    from django.db import connection

    clients = {role: logged_in(role) for role in ("reporter", "reviewer", "admin")}
    print(
        f"{'page':36} {'role':9} {'queries':>7} {'explained':>9}  sequential scans on large tables"
    )
    total = 0
    for page in pages():
        statements = get(clients[page.role], page.url)
        explained, scans = 0, []
        with connection.cursor() as cursor:
            for sql, params in statements:
                if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
                (plan,) = cursor.fetchone()
                plan = json.loads(plan) if isinstance(plan, str) else plan
                found = seq_scans(plan[0]["Plan"])
                explained += 1
                if found:
                    scans.append(f"{', '.join(sorted(set(found)))}: {sql[:90]}")
        total += len(scans)
        print(
            f"{page.label:36} {page.role:9} {len(statements):>7} {explained:>9}  "
            + ("none" if not scans else scans[0])
        )
        for more in scans[1:]:
            print(f"{'':65}{more}")
    print(f"{total} queries with a sequential scan on a large table")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["time", "explain"])
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--only", default="", help="time only the pages whose label has this")
    args = parser.parse_args()
    from _setup import django_setup

    django_setup()
    from django.conf import settings
    from django.db import connection, transaction

    from reports.models import ActivityReport

    settings.ROOT_URLCONF = floor_urlconf()
    print(f"{ActivityReport.objects.count():,} reports in the database ({connection.vendor})")
    with transaction.atomic():
        if args.what == "time":
            run_time(args.repeat, args.only)
        else:
            run_explain()
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
