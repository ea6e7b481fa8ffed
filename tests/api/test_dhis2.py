"""The DHIS2 export through the API: the payload, the ADX file, a clear refusal when nothing is
mapped, and the endpoints in a schema that validates."""

import json

import pytest
from django.utils import translation
from openapi_spec_validator import validate

from summaries import aggregation, dhis2
from summaries.models import ReleaseCell
from tests import factories
from tests.api.conftest import api_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the portal's default language is Vietnamese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def release():
    factories.approved_report(programme_code="anti-trafficking")
    aggregation.rebuild_all()
    return factories.publish(2026, 2)


def test_an_admin_gets_the_data_value_set_of_the_release(release):
    factories.dhis2_map_everything()
    admin = factories.admin_user()

    response = api_client(admin).get(f"/api/v1/releases/{release.pk}/dhis2/data-values/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body == dhis2.data_value_set(dhis2.build_export(release))
    unhidden = sum(
        getattr(cell, part) is not None and not getattr(cell, f"{part}_hidden")
        for cell in ReleaseCell.objects.filter(release=release).select_related("indicator")
        for part in (("numerator", "denominator") if cell.indicator.is_ratio else ("value",))
    )
    assert len(body["dataValues"]) == unhidden > 0


def test_an_admin_gets_a_valid_adx_file_and_the_summary(release):
    factories.dhis2_map_everything()
    client = api_client(factories.admin_user())

    adx = client.get(f"/api/v1/releases/{release.pk}/dhis2/adx/")
    summary = client.get(f"/api/v1/releases/{release.pk}/dhis2/").json()

    assert adx.status_code == 200
    assert adx["Content-Type"] == "application/adx+xml"
    assert dhis2.adx_errors(adx.content) == []
    assert summary["skipped"] == 0
    assert summary["unmapped"] == {"indicators": [], "denominators": [], "cells": [], "places": []}
    assert summary["values"] == adx.content.count(b"<dataValue ")


def test_nothing_mapped_is_a_clear_conflict_and_the_summary_lists_it(release):
    client = api_client(factories.admin_user())

    refused = client.get(f"/api/v1/releases/{release.pk}/dhis2/adx/")
    summary = client.get(f"/api/v1/releases/{release.pk}/dhis2/").json()

    assert refused.status_code == 409
    assert "map its indicators" in refused.json()["detail"]
    assert summary["values"] == 0
    assert "VN" in summary["unmapped"]["places"]
    assert summary["unmapped"]["indicators"]


def test_an_unknown_release_is_404_for_an_admin(release):
    client = api_client(factories.admin_user())

    assert client.get(f"/api/v1/releases/{release.pk + 50}/dhis2/adx/").status_code == 404


def test_the_schema_with_the_dhis2_endpoints_validates(db):
    response = api_client(factories.admin_user()).get(
        "/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )

    schema = json.loads(response.content)
    validate(schema)
    for path in ("dhis2/", "dhis2/data-values/", "dhis2/adx/"):
        assert f"/api/v1/releases/{{id}}/{path}" in schema["paths"]
