"""The DHIS2 export of a release: exactly the published, unhidden cells as data values (JSON and
ADX, the ADX valid against the shipped schema), unmapped cells listed and not sent, the push
to a DHIS2 server (a local stub: dry run, then import; its errors shown), and admins only."""

import base64
import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation
from lxml import etree

from indicators.models import CategoryOptionComboMapping, DataElementMapping, OrgUnitMapping
from portal.models import AuditEvent
from summaries import aggregation, dhis2, services
from summaries.models import Dhis2Push, ReleaseCell
from tests import factories
from tests.summaries.test_releases import approve

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the portal's default language is Vietnamese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def release():
    """A published release of two quarters in two provinces (79's small counts hidden by the
    disclosure control), with some parts of every kind marked hidden as well."""
    approve("01", "2026-Q1", {"TA-01": 11, "TA-02": 6})
    approve("01", "2026-Q2", {"TA-01": 9, "TA-02": 7})
    approve("79", "2026-Q2", {"TA-01": 3, "TA-02": 40})
    aggregation.rebuild_all()
    published = factories.publish(2026, 2)
    cells = list(ReleaseCell.objects.filter(release=published).order_by("pk"))
    for number, cell in enumerate(cells):
        cell.value_hidden = cell.value_hidden or number % 7 == 0
        cell.numerator_hidden = cell.numerator_hidden or number % 9 == 1
        cell.denominator_hidden = cell.denominator_hidden or number % 11 == 2
    ReleaseCell.objects.bulk_update(
        cells, ["value_hidden", "numerator_hidden", "denominator_hidden"]
    )
    return published


def expected_values(release) -> Counter:
    """Every published, unhidden part of the release's cells as the data value it must become,
    worked out from the stored cells and the mapping rows, independently of the exporter."""
    elements = {m.indicator_id: m for m in DataElementMapping.objects.all()}
    combos = {
        (m.indicator_id, m.dimension, m.category): m.category_option_combo
        for m in CategoryOptionComboMapping.objects.all()
    }
    org_units = {m.province_id: m.org_unit for m in OrgUnitMapping.objects.all()}
    periods = {"2026-Q1": "2026Q1", "2026-Q2": "2026Q2", "2026": "2026"}
    expected = Counter()
    for cell in ReleaseCell.objects.filter(release=release).select_related("indicator"):
        parts = (
            [("numerator", "data_element"), ("denominator", "denominator_data_element")]
            if cell.indicator.is_ratio
            else [("value", "data_element")]
        )
        for part, element in parts:
            if getattr(cell, part) is None or getattr(cell, f"{part}_hidden"):
                continue
            expected[
                (
                    getattr(elements[cell.indicator_id], element),
                    periods[cell.period_code],
                    org_units[cell.province_id],
                    combos[(cell.indicator_id, cell.dimension, cell.category)],
                    str(getattr(cell, part)),
                )
            ] += 1
    return expected


def hidden_numbers(release) -> int:
    return sum(
        getattr(cell, f"{part}_hidden") and getattr(cell, part) is not None
        for cell in ReleaseCell.objects.filter(release=release)
        for part in ("value", "numerator", "denominator")
    )


def test_periods_map_to_dhis2_period_ids():
    assert [dhis2.dhis2_period(code) for code in ("2026-Q1", "2026-03", "2026")] == [
        "2026Q1",
        "202603",
        "2026",
    ]
    assert [dhis2.adx_period(code) for code in ("2026-Q2", "2026-11", "2026")] == [
        "2026-04-01/P3M",
        "2026-11-01/P1M",
        "2026-01-01/P1Y",
    ]
    with pytest.raises(ValueError):
        dhis2.dhis2_period("2026-W12")


def test_the_json_holds_exactly_the_published_unhidden_cells(release):
    factories.dhis2_map_everything()
    admin = factories.admin_user()

    found = services.dhis2_export_file(actor=admin, release_id=release.pk, file_format="json")

    sent = Counter(
        (v["dataElement"], v["period"], v["orgUnit"], v["categoryOptionCombo"], v["value"])
        for v in json.loads(found.content)["dataValues"]
    )
    assert sent == expected_values(release)
    assert hidden_numbers(release) > 0
    assert found.export.suppressed == hidden_numbers(release)
    assert found.export.skipped == 0 and not found.export.unmapped
    assert AuditEvent.objects.filter(action="dhis2_export", user=admin).count() == 1


def test_a_hidden_value_is_never_sent_even_as_its_mark(release):
    factories.dhis2_map_everything()
    cell = (
        ReleaseCell.objects.filter(release=release, value_hidden=True, value__isnull=False)
        .select_related("indicator")
        .exclude(indicator__aggregation="ratio")
        .first()
    )
    element = DataElementMapping.objects.get(indicator=cell.indicator).data_element
    combo = CategoryOptionComboMapping.objects.get(
        indicator=cell.indicator, dimension=cell.dimension, category=cell.category
    ).category_option_combo
    org_unit = OrgUnitMapping.objects.get(province=cell.province).org_unit

    payload = dhis2.data_value_set(dhis2.build_export(release))

    keys = {
        (v["dataElement"], v["period"], v["orgUnit"], v["categoryOptionCombo"])
        for v in payload["dataValues"]
    }
    assert (element, dhis2.dhis2_period(cell.period_code), org_unit, combo) not in keys
    assert all(v["value"].isdigit() for v in payload["dataValues"])


def test_unmapped_indicators_cells_and_places_are_listed_not_sent(release):
    factories.dhis2_map_everything()
    ta01 = DataElementMapping.objects.get(indicator__code="TA-01")
    ta01.delete()
    CategoryOptionComboMapping.objects.filter(
        indicator__code="TA-02", dimension="sex", category="female"
    ).delete()
    OrgUnitMapping.objects.filter(province__code="79").delete()
    OrgUnitMapping.objects.filter(province=None).delete()

    export = dhis2.build_export(release)

    assert export.unmapped.indicators == ["TA-01"]
    assert export.unmapped.cells == ["TA-02 sex:female"]
    assert export.unmapped.places == ["79", "VN"]
    assert export.skipped > 0
    sent = Counter(
        (v.data_element, dhis2.dhis2_period(v.period), v.org_unit, v.category_option_combo)
        for v in export.values
    )
    assert not any(key[0] == ta01.data_element for key in sent)
    assert len(export.values) + export.skipped + export.suppressed == sum(
        expected_values_all_parts(release)
    )


def expected_values_all_parts(release):
    return [
        1
        for cell in ReleaseCell.objects.filter(release=release).select_related("indicator")
        for part in (("numerator", "denominator") if cell.indicator.is_ratio else ("value",))
        if getattr(cell, part) is not None
    ]


def test_the_adx_file_validates_against_the_shipped_schema_and_holds_the_same_values(release):
    factories.dhis2_map_everything()
    admin = factories.admin_user()

    found = services.dhis2_export_file(actor=admin, release_id=release.pk, file_format="adx")

    parser = etree.XMLParser(no_network=True)
    schema = etree.XMLSchema(etree.parse(str(dhis2.ADX_SCHEMA), parser))
    document = etree.fromstring(found.content, parser)
    assert schema.validate(document), schema.error_log
    ns = {"adx": dhis2.ADX_NAMESPACE}
    periods = {"2026-01-01/P3M": "2026Q1", "2026-04-01/P3M": "2026Q2", "2026-01-01/P1Y": "2026"}
    sent = Counter(
        (
            value.get("dataElement"),
            periods[group.get("period")],
            group.get("orgUnit"),
            value.get("categoryOptionCombo"),
            value.get("value"),
        )
        for group in document.findall("adx:group", ns)
        for value in group.findall("adx:dataValue", ns)
    )
    assert sent == expected_values(release)


def test_the_schema_check_refuses_a_document_that_is_not_adx():
    broken = (
        b'<adx xmlns="urn:ihe:qrph:adx:2015" exported="2026-07-01T00:00:00+00:00">'
        b'<group orgUnit="O0000000001" period="2026Q2">'
        b'<dataValue dataElement="D0000000001" value="seven"/></group></adx>'
    )

    errors = dhis2.adx_errors(broken)

    assert any("period" in error for error in errors)
    assert any("value" in error for error in errors)


def test_an_export_with_nothing_mapped_is_refused_with_a_clear_error(release):
    admin = factories.admin_user()

    with pytest.raises(services.Dhis2ExportError, match="map its indicators"):
        services.dhis2_export_file(actor=admin, release_id=release.pk, file_format="adx")

    assert not AuditEvent.objects.filter(action="dhis2_export").exists()


@pytest.mark.parametrize("role", ["reporter", "reviewer"])
def test_only_administrators_export(release, role):
    factories.dhis2_map_everything()
    user = getattr(factories, role)()

    with pytest.raises(PermissionDenied):
        services.dhis2_export_file(actor=user, release_id=release.pk, file_format="json")
    with pytest.raises(PermissionDenied):
        services.dhis2_push_request(actor=user, release_id=release.pk)


# The pages, by role ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [("reporter", 403), ("reviewer", 403), ("admin", 200)],
)
def test_the_dhis2_pages_answer_each_role(client, release, role, expected):
    factories.dhis2_map_everything()
    user = {"reporter": factories.reporter, "reviewer": factories.reviewer}.get(
        role, factories.admin_user
    )()
    client.force_login(user)
    base = f"/summaries/releases/{release.pk}/dhis2/"

    answers = [
        client.get(base).status_code,
        client.get(base + "datavalues.json").status_code,
        client.get(base + "adx.xml").status_code,
    ]

    assert answers == [expected] * 3


def test_an_unknown_release_is_404_for_an_administrator(client, release):
    client.force_login(factories.admin_user())

    assert client.get(f"/summaries/releases/{release.pk + 99}/dhis2/").status_code == 404


def test_the_page_lists_what_is_not_mapped_and_offers_the_files(client, release):
    factories.dhis2_map_everything()
    OrgUnitMapping.objects.filter(province__code="79").delete()
    client.force_login(factories.admin_user())

    page = client.get(f"/summaries/releases/{release.pk}/dhis2/").content.decode()

    assert 'id="dhis2-unmapped"' in page and "79" in page
    assert f"/summaries/releases/{release.pk}/dhis2/adx.xml" in page
    download = client.get(f"/summaries/releases/{release.pk}/dhis2/adx.xml")
    assert download["Content-Type"] == "application/adx+xml"
    assert dhis2.adx_errors(download.content) == []


def test_the_mapping_imports_from_the_page_all_or_nothing(client, release):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(factories.admin_user())
    url = f"/summaries/releases/{release.pk}/dhis2/mapping/"
    bad = b"mapping,code,cell,uid\ndata_element,TA-01,,D000000001A\norg_unit,01,,short\n"
    good = b"mapping,code,cell,uid\ndata_element,TA-01,,D000000001A\norg_unit,01,,O000000001A\n"

    refused = client.post(url, {"file": SimpleUploadedFile("m.csv", bad)}, follow=True)
    assert "Dòng 3" in refused.content.decode()  # the page speaks Vietnamese by default
    assert not DataElementMapping.objects.exists()

    client.post(url, {"file": SimpleUploadedFile("m.csv", good)})
    assert DataElementMapping.objects.get().data_element == "D000000001A"
    assert OrgUnitMapping.objects.get().org_unit == "O000000001A"


# The push, against a local stub of DHIS2 --------------------------------------------------


class StubDhis2:
    """A DHIS2 stand-in on 127.0.0.1: records each POST to /api/dataValueSets, checks the
    credentials, and answers with what the test set (by dry run or import)."""

    def __init__(self, *, token: str = "", username: str = "", password: str = ""):
        self.token, self.username, self.password = token, username, password
        self.requests: list[dict] = []
        self.answers = {
            "true": (200, self.summary("SUCCESS", imported=0, ignored=0)),
            "false": (200, self.summary("SUCCESS", imported=0)),
        }
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                url = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                stub.requests.append(
                    {
                        "path": url.path,
                        "query": parse_qs(url.query),
                        "authorization": self.headers.get("Authorization", ""),
                        "content_type": self.headers.get("Content-Type", ""),
                        "body": json.loads(body) if body else None,
                    }
                )
                if not stub.authorised(self.headers.get("Authorization", "")):
                    status, answer = 401, {"httpStatusCode": 401, "message": "Unauthorized"}
                elif url.path != "/api/dataValueSets":
                    status, answer = 404, {"httpStatusCode": 404, "message": "Not found"}
                else:
                    dry_run = parse_qs(url.query).get("dryRun", ["false"])[0]
                    status, answer = stub.answers[dry_run]
                raw = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @staticmethod
    def summary(status: str, imported: int = 0, updated: int = 0, ignored: int = 0, **extra):
        return {
            "httpStatus": "OK",
            "httpStatusCode": 200,
            "status": "OK" if status == "SUCCESS" else status,
            "response": {
                "responseType": "ImportSummary",
                "status": status,
                "importCount": {
                    "imported": imported,
                    "updated": updated,
                    "ignored": ignored,
                    "deleted": 0,
                },
                **extra,
            },
        }

    def authorised(self, header: str) -> bool:
        if self.token:
            return header == f"ApiToken {self.token}"
        expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return header == f"Basic {expected}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def stub(settings):
    server = StubDhis2(username="napwps", password="s3cret-pass")
    settings.DHIS2_URL = server.url + "/"
    settings.DHIS2_USERNAME, settings.DHIS2_PASSWORD, settings.DHIS2_TOKEN = (
        "napwps",
        "s3cret-pass",
        "",
    )
    settings.DHIS2_TIMEOUT = 10
    yield server
    server.close()


def push(admin, release, django_capture_on_commit_callbacks) -> Dhis2Push:
    with django_capture_on_commit_callbacks(execute=True):
        requested = services.dhis2_push_request(actor=admin, release_id=release.pk)
    return Dhis2Push.objects.get(pk=requested.pk)


def test_a_push_runs_a_dry_run_then_the_import_with_the_release_values(
    release, stub, django_capture_on_commit_callbacks
):
    factories.dhis2_map_everything()
    admin = factories.admin_user()
    expected = expected_values(release)
    total = sum(expected.values())
    stub.answers["true"] = (200, stub.summary("SUCCESS", imported=total))
    stub.answers["false"] = (200, stub.summary("SUCCESS", imported=total - 2, updated=2))

    done = push(admin, release, django_capture_on_commit_callbacks)

    assert [r["query"]["dryRun"] for r in stub.requests] == [["true"], ["false"]]
    for request in stub.requests:
        assert request["path"] == "/api/dataValueSets"
        assert request["content_type"].startswith("application/json")
        sent = Counter(
            (v["dataElement"], v["period"], v["orgUnit"], v["categoryOptionCombo"], v["value"])
            for v in request["body"]["dataValues"]
        )
        assert sent == expected
    assert done.status == Dhis2Push.Status.DONE
    assert done.values == total
    assert done.import_summary["imported"] == total - 2
    assert done.import_summary["updated"] == 2
    assert done.dry_run_summary["status"] == "SUCCESS"
    audited = AuditEvent.objects.filter(action="dhis2_push", user=admin).order_by("pk")
    assert [event.outcome for event in audited] == ["success", "success"]
    assert f"imported={total - 2} updated=2" in audited.last().detail


def test_a_push_sends_a_personal_access_token_when_one_is_set(
    release, settings, django_capture_on_commit_callbacks
):
    server = StubDhis2(token="d2pat_abc123")
    settings.DHIS2_URL, settings.DHIS2_TOKEN, settings.DHIS2_USERNAME = (
        server.url,
        "d2pat_abc123",
        "",
    )
    factories.dhis2_map_everything()
    try:
        done = push(factories.admin_user(), release, django_capture_on_commit_callbacks)
    finally:
        server.close()

    assert done.status == Dhis2Push.Status.DONE
    assert [r["authorization"] for r in server.requests] == ["ApiToken d2pat_abc123"] * 2


def test_conflicts_in_the_dry_run_stop_the_push_before_the_import(
    client, release, stub, django_capture_on_commit_callbacks
):
    factories.dhis2_map_everything()
    admin = factories.admin_user()
    stub.answers["true"] = (
        409,
        stub.summary(
            "ERROR",
            ignored=3,
            conflicts=[{"object": "D0000000001", "value": "Data element not found or not valid"}],
        ),
    )

    failed = push(admin, release, django_capture_on_commit_callbacks)

    assert len(stub.requests) == 1  # the dry run only
    assert failed.status == Dhis2Push.Status.FAILED
    assert "not found or not valid" in failed.error
    assert failed.dry_run_summary["ignored"] == 3
    assert failed.import_summary == {}
    assert AuditEvent.objects.filter(action="dhis2_push", outcome="failure").count() == 1
    client.force_login(admin)
    page = client.get(f"/summaries/releases/{release.pk}/dhis2/").content.decode()
    assert "Data element not found or not valid" in page
    assert "dhis2-error" in page


def test_refused_credentials_are_reported_cleanly(
    release, stub, settings, django_capture_on_commit_callbacks
):
    factories.dhis2_map_everything()
    settings.DHIS2_PASSWORD = "wrong"

    failed = push(factories.admin_user(), release, django_capture_on_commit_callbacks)

    assert failed.status == Dhis2Push.Status.FAILED
    assert failed.error == "DHIS2 refused the credentials (HTTP 401)."


def test_an_answer_that_is_not_json_is_reported_with_its_status(
    release, stub, django_capture_on_commit_callbacks
):
    factories.dhis2_map_everything()
    stub.answers["false"] = (502, b"<html>Bad gateway</html>")

    failed = push(factories.admin_user(), release, django_capture_on_commit_callbacks)

    assert len(stub.requests) == 2
    assert failed.status == Dhis2Push.Status.FAILED
    assert failed.error == "DHIS2 answered HTTP 502: no import summary"
    assert failed.dry_run_summary["status"] == "SUCCESS"


def test_a_server_that_does_not_answer_is_reported(
    release, settings, django_capture_on_commit_callbacks
):
    server = StubDhis2(username="a", password="b")
    server.close()  # the port is free again: nothing listens there
    settings.DHIS2_URL, settings.DHIS2_USERNAME, settings.DHIS2_PASSWORD = server.url, "a", "b"
    factories.dhis2_map_everything()

    failed = push(factories.admin_user(), release, django_capture_on_commit_callbacks)

    assert failed.status == Dhis2Push.Status.FAILED
    assert failed.error.startswith("DHIS2 could not be reached")


def test_a_push_needs_a_configured_server_and_something_to_send(release, settings):
    admin = factories.admin_user()
    settings.DHIS2_URL = ""
    with pytest.raises(services.Dhis2ExportError, match="No DHIS2 server"):
        services.dhis2_push_request(actor=admin, release_id=release.pk)
    settings.DHIS2_URL = "http://127.0.0.1:9"
    with pytest.raises(services.Dhis2ExportError, match="map it to DHIS2"):
        services.dhis2_push_request(actor=admin, release_id=release.pk)

    assert not Dhis2Push.objects.exists()


def test_the_push_button_queues_a_push_for_an_admin_and_refuses_others(
    client, release, stub, django_capture_on_commit_callbacks
):
    factories.dhis2_map_everything()
    url = f"/summaries/releases/{release.pk}/dhis2/push/"
    client.force_login(factories.reviewer())
    assert client.post(url).status_code == 403
    client.force_login(factories.admin_user())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)

    assert response.status_code == 302
    assert Dhis2Push.objects.get().status == Dhis2Push.Status.DONE
    assert len(stub.requests) == 2


def test_the_page_reads_in_a_constant_number_of_queries(
    client, release, django_assert_max_num_queries
):
    factories.dhis2_map_everything()
    admin = factories.admin_user()
    client.force_login(admin)
    for _number in range(3):
        Dhis2Push.objects.create(release=release, requested_by=admin, status="failed")
    url = f"/summaries/releases/{release.pk}/dhis2/"
    client.get(url)

    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200


def test_the_command_writes_the_files_and_lists_what_is_unmapped(release, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    factories.dhis2_map_everything()
    OrgUnitMapping.objects.filter(province__code="79").delete()
    err = StringIO()

    call_command(
        "dhis2_export",
        release=release.pk,
        file_format="adx",
        output=str(tmp_path / "r.adx.xml"),
        stdout=StringIO(),
        stderr=err,
    )
    call_command(
        "dhis2_export",
        release=release.pk,
        file_format="json",
        output=str(tmp_path / "r.json"),
        stdout=StringIO(),
        stderr=StringIO(),
    )

    assert "unmapped places: 79" in err.getvalue()
    assert dhis2.adx_errors((tmp_path / "r.adx.xml").read_bytes()) == []
    written = json.loads((tmp_path / "r.json").read_text())
    assert written == dhis2.data_value_set(dhis2.build_export(release))


def test_conflicts_in_the_import_mark_the_push_failed_with_what_dhis2_imported(
    release, stub, django_capture_on_commit_callbacks
):
    factories.dhis2_map_everything()
    stub.answers["false"] = (
        409,
        stub.summary(
            "WARNING",
            imported=5,
            ignored=1,
            conflicts=[{"object": "202604", "value": "Period is locked for data entry"}],
        ),
    )

    failed = push(factories.admin_user(), release, django_capture_on_commit_callbacks)

    assert failed.status == Dhis2Push.Status.FAILED
    assert failed.error == "DHIS2 reported 1 conflicts: Period is locked for data entry"
    assert failed.dry_run_summary["status"] == "SUCCESS"
    assert (failed.import_summary["imported"], failed.import_summary["ignored"]) == (5, 1)
    assert (
        "import WARNING imported=5"
        in AuditEvent.objects.filter(action="dhis2_push").order_by("pk").last().detail
    )


def test_the_releases_page_links_to_dhis2_for_administrators_only(client, release):
    link = f"/summaries/releases/{release.pk}/dhis2/"
    client.force_login(factories.reviewer())
    assert link not in client.get("/summaries/releases/").content.decode()

    client.force_login(factories.admin_user())
    assert link in client.get("/summaries/releases/").content.decode()
