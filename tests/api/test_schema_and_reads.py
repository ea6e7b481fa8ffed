"""The OpenAPI schema validates, the Swagger UI loads from our own static files under the CSP,
release cells carry the mark where the release hid a part, and lists keep a constant number of
queries."""

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext
from openapi_spec_validator import validate

from reports import services
from summaries import aggregation
from summaries.disclosure import SECONDARY
from summaries.models import ReleaseCell
from tests import factories
from tests.api.conftest import api_client


def test_the_openapi_schema_validates(db):
    response = api_client(factories.reporter()).get(
        "/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )

    assert response.status_code == 200
    schema = json.loads(response.content)
    validate(schema)
    assert "/api/v1/reports/{id}/submit/" in schema["paths"]
    assert "personalToken" in schema["components"]["securitySchemes"]


def test_the_docs_page_loads_local_assets_and_no_inline_script(db, client):
    client.force_login(factories.reporter())

    page = client.get("/api/v1/docs/")
    html = page.content.decode()
    script = client.get("/api/v1/docs/?script=")

    assert page.status_code == 200
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert "<style>" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "https://" not in html
    import re

    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_the_docs_page_asks_anonymous_visitors_to_log_in(db, client):
    response = client.get("/api/v1/docs/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def _approved_report(admin, total: int = 2, province: str = "01", period: str = "2026-Q2"):
    """An approved report, all its counts `total` (small counts a release must hide)."""
    report = factories.draft_report(
        organisation=factories.OrganisationFactory(province=factories.province(province)),
        programme_code="anti-trafficking",
        period_code=period,
    )
    services.report_update(
        actor=report.created_by,
        report_id=report.pk,
        content=services.ReportContent(
            title=report.title, figures=factories.figures_with_total(report, total)
        ),
        submit=True,
    )
    services.report_approve(reviewer=admin, report_id=report.pk)
    return report


def test_release_cells_show_the_mark_where_the_release_hid_a_part(db):
    admin = factories.admin_user()
    _approved_report(admin, total=50)
    _approved_report(admin, total=50)
    _approved_report(admin, total=2, province="79")
    aggregation.rebuild_all()
    release = factories.publish(2026, 2, admin=admin)
    hidden = ReleaseCell.objects.filter(release=release, value_hidden=True, value__isnull=False)
    assert hidden.exists(), "the data should need suppression"
    client = api_client(factories.reporter())

    rows = []
    url = f"/api/v1/releases/{release.pk}/cells/?page_size=200"
    while url:
        body = client.get(url).json()
        rows += body["results"]
        url = body["next"]

    assert len(rows) == ReleaseCell.objects.filter(release=release).count()
    by_key = {
        (r["indicator"], r["province"], r["period"], r["dimension"], r["category"]): r for r in rows
    }
    for cell in hidden.select_related("indicator", "province"):
        key = (
            cell.indicator.code,
            cell.province.code if cell.province else None,
            cell.period_code,
            cell.dimension,
            cell.category,
        )
        assert by_key[key]["value"] == SECONDARY
    shown = ReleaseCell.objects.filter(release=release, value_hidden=False, value__gt=0).first()
    assert shown is not None
    assert any(r["value"] == shown.value for r in rows)
    assert all(r["value"] in (SECONDARY, None) or isinstance(r["value"], int) for r in rows)


def _queries(client, url: str) -> int:
    client.get(url)  # the token's last use is stamped at most once a minute: not measured
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_list_endpoints_keep_a_constant_number_of_queries(db):
    admin = factories.admin_user()
    client = api_client(admin)
    factories.draft_report()
    _approved_report(admin, total=10)
    aggregation.rebuild_all()
    factories.publish(2026, 2, admin=admin)
    urls = [
        "/api/v1/reports/",
        "/api/v1/organisations/",
        "/api/v1/programmes/",
        "/api/v1/indicators/",
        "/api/v1/periods/",
        "/api/v1/releases/",
    ]
    few = {url: _queries(client, url) for url in urls}

    for _ in range(4):
        _approved_report(admin, total=10, period="2026-Q3")
    aggregation.rebuild_all()
    factories.publish(2026, 3, admin=admin)
    many = {url: _queries(client, url) for url in urls}

    assert many == few
