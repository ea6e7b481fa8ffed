"""Report pages at scale: SQL queries per page and median response time.

    DATABASE_URL=postgres://... python manage.py seed_demo --reports 100000
    DATABASE_URL=postgres://... python bench/report_pages.py [--repeat 30]

Requests go through Django's test client (the whole middleware, view and template stack, no
network). Each page is asked for once to warm up, then `--repeat` times.
"""

import argparse

from _setup import django_setup, timed

GOAL_MS = 150


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    django_setup()

    from django.db import connection, transaction
    from django.urls import reverse

    from portal.demo import demo_email
    from portal.models import User
    from reports.models import ActivityReport

    reporter = User.objects.get(email=demo_email("reporter"))
    reviewer = User.objects.get(email=demo_email("reviewer"))
    admin = User.objects.get(email=demo_email("admin"))
    organisation_id = reporter.membership_list[0].organisation_id
    own_report = (
        ActivityReport.objects.filter(organisation_id=organisation_id).order_by("-pk").first()
    )
    in_queue = ActivityReport.objects.filter(status="submitted").order_by("submitted_at").first()
    total = ActivityReport.objects.count()
    print(f"{total:,} reports in the database ({connection.vendor})")

    pages = [
        ("report list (reporter)", reporter, reverse("reports:list")),
        ("report list, page 3 (admin)", admin, reverse("reports:list") + "?page=3"),
        ("report list, filtered (admin)", admin, reverse("reports:list") + "?status=approved"),
        ("review queue (reviewer)", reviewer, reverse("reports:queue")),
        ("review queue (admin)", admin, reverse("reports:queue")),
        ("report page (reporter)", reporter, own_report.get_absolute_url()),
        ("report page, review (admin)", admin, in_queue.get_absolute_url()),
    ]
    print(f"{'page':34} {'status':>6} {'queries':>8} {'median ms':>10} {'max ms':>8}")
    with transaction.atomic():
        worst = measure(pages, args.repeat, connection)
        transaction.set_rollback(True)  # the sessions and devices made for the run
    verdict = "within" if worst <= GOAL_MS else "ABOVE"
    print(f"slowest median {worst:.1f} ms: {verdict} the {GOAL_MS} ms goal")


def logged_in(user):
    """A test client past the login and, for reviewers and admins, the second factor."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    if user.needs_two_factor:
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench")
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def measure(pages, repeat, connection) -> float:
    worst = 0.0
    for label, user, url in pages:
        client = logged_in(user)
        response = client.get(url)
        statements = []

        def count(execute, sql, params, many, context, statements=statements):
            statements.append(sql)
            return execute(sql, params, many, context)

        # request_started clears Django's query log, so count at the cursor instead.
        with connection.execute_wrapper(count):
            response = client.get(url)
        median, samples = timed(lambda c=client, u=url: c.get(u), repeat)
        worst = max(worst, median)
        print(
            f"{label:34} {response.status_code:>6} {len(statements):>8} "
            f"{median:>10.1f} {max(samples):>8.1f}"
        )
    return worst


if __name__ == "__main__":
    main()
