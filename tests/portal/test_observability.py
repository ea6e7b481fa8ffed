"""What operators see: JSON logs, Sentry events without personal data, /metrics."""

import json
import logging
import sys

import pytest
import sentry_sdk
from django.contrib.auth.decorators import login_not_required
from django.test import Client
from django.urls import path, reverse
from django.utils import timezone
from sentry_sdk.transport import Transport

from portal.logs import JsonFormatter
from portal.observability import scrub_event, sentry_init
from reports.models import StaleSummary
from summaries.models import AggregationRun
from tests import factories
from tests.portal.test_settings import run_python

NARRATIVE = "Chị Lan, 34 tuổi, được hỗ trợ tại Nhà bình yên"
EMAIL = "reporter.private@example.vn"


# --- JSON logs ---------------------------------------------------------------------------------


def record(name="portal.test", message="hello %s", args=("world",), **extra):
    made = logging.LogRecord(name, logging.WARNING, __file__, 1, message, args, None)
    made.__dict__.update(extra)
    return made


def test_json_logs_are_one_object_a_line_with_level_logger_message_and_extras():
    line = JsonFormatter().format(record(report_id=12, request=object()))

    assert "\n" not in line
    payload = json.loads(line)
    assert payload["level"] == "WARNING"
    assert payload["logger"] == "portal.test"
    assert payload["message"] == "hello world"
    assert payload["time"].endswith("+00:00")
    assert payload["report_id"] == 12
    assert "request" not in payload  # not a plain value: left out


def test_json_logs_carry_the_exception():
    try:
        raise ValueError("broken")
    except ValueError:
        made = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())

    payload = json.loads(JsonFormatter().format(made))
    assert "ValueError: broken" in payload["exception"]


def test_gunicorn_access_lines_get_request_fields_without_the_query_string():
    atoms = {"h": "10.0.0.1", "m": "GET", "U": "/reports/", "q": "user=x@y.vn", "s": "200"}
    atoms |= {"B": "512", "D": "15321", "r": "GET /reports/?user=x@y.vn HTTP/1.1"}
    made = record("gunicorn.access", "%(h)s %(m)s %(U)s %(s)s", ())
    made.args = atoms

    payload = json.loads(JsonFormatter().format(made))
    assert payload["http"] == {
        "client": "10.0.0.1",
        "method": "GET",
        "path": "/reports/",
        "status": 200,
        "bytes": 512,
        "duration_ms": 15.321,
    }
    assert "x@y.vn" not in json.dumps(payload)


def test_log_format_json_switches_the_console_handler_and_a_wrong_value_stops_start_up():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.LOGGING['handlers']['console']['formatter'])"
    )
    assert run_python(code, LOG_FORMAT="json").stdout.strip() == "json"
    assert run_python(code).stdout.strip() == "plain"
    wrong = run_python(code, LOG_FORMAT="xml")
    assert wrong.returncode != 0
    assert "LOG_FORMAT must be plain or json" in wrong.stderr


# --- Sentry ------------------------------------------------------------------------------------


def test_scrubbing_removes_bodies_cookies_queries_frames_users_and_e_mail_addresses():
    event = {
        "request": {
            "url": "https://portal/reports/7/edit/?user=x",
            "method": "POST",
            "data": {"narrative": NARRATIVE, "TA-01__total": "12"},
            "cookies": {"sessionid": "abc"},
            "query_string": "user=x",
            "headers": {"Cookie": "sessionid=abc", "User-Agent": "Firefox", "Referer": "x"},
            "env": {"REMOTE_ADDR": "10.0.0.1"},
        },
        "user": {"id": 3, "email": EMAIL, "ip_address": "10.0.0.1"},
        "extra": {"narrative": NARRATIVE},
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": f"no report for {EMAIL}",
                    "stacktrace": {"frames": [{"function": "f", "vars": {"n": NARRATIVE}}]},
                }
            ]
        },
        "logentry": {"message": "saving %s", "params": [NARRATIVE], "formatted": NARRATIVE},
        "breadcrumbs": {"values": [{"message": f"login {EMAIL}", "data": {"n": NARRATIVE}}]},
    }

    scrubbed = scrub_event(event, {})
    text = json.dumps(scrubbed, ensure_ascii=False)
    assert NARRATIVE not in text and EMAIL not in text and "sessionid" not in text
    assert "10.0.0.1" not in text and "user=x" not in text
    assert scrubbed["request"]["url"] == "https://portal/reports/7/edit/"
    assert scrubbed["request"]["method"] == "POST"
    assert scrubbed["request"]["headers"] == {"User-Agent": "Firefox"}
    assert scrubbed["exception"]["values"][0]["type"] == "ValueError"
    assert scrubbed["exception"]["values"][0]["value"] == "no report for [Filtered]"


class RecordingTransport(Transport):
    """Keeps what would be sent to Sentry."""

    envelopes: list = []

    def capture_envelope(self, envelope):
        type(self).envelopes.append(envelope)


@login_not_required
def failing_view(request):
    narrative = request.POST["narrative"]  # a local variable holding what the user typed
    raise ValueError(f"cannot save {len(narrative)} characters for {EMAIL}")


urlpatterns = [path("boom/", failing_view)]


@pytest.fixture
def recorded_sentry():
    RecordingTransport.envelopes = []
    sentry_init(
        dsn="https://public@sentry.invalid/1", environment="test", transport=RecordingTransport
    )
    yield RecordingTransport.envelopes
    sentry_sdk.init(dsn=None)  # no client: nothing is captured after this test


@pytest.mark.django_db
def test_a_server_error_reaches_sentry_without_the_report_text_figures_or_cookies(
    recorded_sentry, settings
):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "secret-session"

    response = client.post("/boom/?user=" + EMAIL, {"narrative": NARRATIVE, "TA-01__total": "4321"})
    sentry_sdk.flush()

    assert response.status_code == 500
    events = [
        item.payload.json
        for envelope in recorded_sentry
        for item in envelope.items
        if item.type == "event"
    ]
    assert events, "no event was captured"
    event = events[0]
    assert event["exception"]["values"][-1]["type"] == "ValueError"
    # (The URL and method come from Sentry's WSGI middleware, which the test client skips.)
    assert "data" not in event.get("request", {})
    assert event["environment"] == "test"
    text = json.dumps(events, ensure_ascii=False)
    for private in (NARRATIVE, "4321", "secret-session", EMAIL):
        assert private not in text, private
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    assert frames and all("vars" not in frame for frame in frames)


# --- /metrics ----------------------------------------------------------------------------------


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = "scraper-token-" + "x" * 20
    return settings.METRICS_TOKEN


@pytest.mark.django_db
def test_metrics_need_the_token_or_an_administrator(client, unverified_client, token):
    url = reverse("metrics")
    assert unverified_client.get(url).status_code == 401
    assert unverified_client.get(url, HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert unverified_client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200

    client.force_login(factories.reviewer(provinces=[factories.province("01")]))
    assert client.get(url).status_code == 403
    client.force_login(factories.admin_user())
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_metrics_without_a_token_set_refuse_every_token(unverified_client, settings):
    settings.METRICS_TOKEN = ""
    response = unverified_client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 401


def metric(text: str, name: str) -> dict[str, float]:
    """{labels: value} of one metric family in Prometheus's text format."""
    found = {}
    for line in text.splitlines():
        if line.startswith(name) and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            found[key[len(name) :]] = float(value)
    return found


@pytest.mark.django_db
def test_metrics_show_stale_cells_runs_and_request_latency_by_view(unverified_client, token):
    hanoi, period = factories.province("01"), factories.period("2026-Q1")
    StaleSummary.objects.create(
        province=hanoi, period=period, marked_at=timezone.now() - timezone.timedelta(minutes=10)
    )
    finished = timezone.now() - timezone.timedelta(hours=1)
    AggregationRun.objects.create(
        kind=AggregationRun.Kind.FULL, status=AggregationRun.Status.DONE, finished_at=finished
    )
    AggregationRun.objects.create(
        kind=AggregationRun.Kind.CELLS, status=AggregationRun.Status.FAILED
    )
    unverified_client.get(reverse("healthz"))

    response = unverified_client.get(reverse("metrics"), HTTP_AUTHORIZATION=f"Bearer {token}")

    text = response.content.decode()
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert metric(text, "portal_database_up") == {"": 1.0}
    assert metric(text, "portal_stale_summary_cells") == {"": 1.0}
    assert 590 < metric(text, "portal_stale_summary_oldest_age_seconds")[""] < 700
    last = metric(text, "portal_summary_last_success_timestamp_seconds")
    assert last == {'{kind="full"}': pytest.approx(finished.timestamp())}
    assert metric(text, "portal_aggregation_runs_failed_total")['{kind="cells"}'] == 1.0
    latency = metric(text, "portal_http_request_duration_seconds_count")
    assert latency['{method="GET",view="healthz"}'] >= 1
    requests = metric(text, "portal_http_requests_total")
    assert requests['{method="GET",status="200",view="healthz"}'] >= 1
