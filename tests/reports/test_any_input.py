"""Whatever is typed into a figure, the reporter gets the form back with a translated message next
to the field and everything typed kept; never a server error."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.forms import parse_whole_number
from tests import factories
from tests.reports.test_validation import form_data

pytestmark = pytest.mark.django_db

NARRATIVE = "Tổ chức 3 buổi sinh hoạt chuyên đề tại xã; không ghi tên người."


@pytest.mark.parametrize("typed", ["²", "⑴", "1²", "٣", "１２", "1.²³⁴", "½", "1e3", "0x10", "∞"])
def test_digits_that_are_not_plain_digits_are_not_whole_numbers(typed):
    with pytest.raises(ValidationError):
        parse_whole_number(typed)


@pytest.mark.parametrize("typed", ["²", "⑴", "٣", "1²", "\x00", "9" * 19])
def test_a_strange_figure_comes_back_next_to_its_field_in_vietnamese_with_the_narrative(
    client, typed
):
    report = factories.draft_report()
    client.force_login(report.created_by)

    response = client.post(
        reverse("reports:edit", args=[report.pk]),
        form_data(report, narrative=NARRATIVE, **{"TA-01__total": typed}),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "TA-01__total" in response.context["form"].errors
    assert 'id="id_TA-01__total-errors"' in page
    message = page.split('id="id_TA-01__total-errors"')[1][:200]
    assert any(word in message for word in ("Nhập số nguyên", "Chỉ gõ", "Số này")), message
    assert NARRATIVE in page


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(typed=st.text(max_size=25))
def test_any_text_in_a_figure_gives_the_form_back_never_a_server_error(typed):
    report = factories.draft_report()
    client = Client()
    client.force_login(report.created_by)

    response = client.post(
        reverse("reports:edit", args=[report.pk]),
        form_data(report, narrative=NARRATIVE, submit=None, save="1", **{"TA-01__total": typed}),
    )

    assert response.status_code in {200, 302}


@pytest.mark.parametrize("version", ["²", "⑴", "-1", "1.000", "x"])
def test_a_strange_version_number_is_not_found_not_a_server_error(client, version):
    report = factories.draft_report()
    client.force_login(factories.admin_user())

    response = client.get(report.get_absolute_url(), {"version": version})

    assert response.status_code == 404


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("template", ["400.html", "403.html", "404.html", "500.html"])
def test_every_error_page_is_translated(template, language):
    with translation.override(language):
        page = render_to_string(template, {"exception": ""})

    assert f'lang="{language}"' in page
    assert "favicon" in page
    if language == "vi":
        assert any(word in page for word in ("Không", "không", "Lỗi", "lỗi", "Yêu cầu"))


def test_the_500_page_needs_neither_the_database_nor_a_request():
    with CaptureQueriesContext(connection) as queries, translation.override("vi"):
        page = render_to_string("500.html")

    assert len(queries) == 0
    assert "Lỗi" in page or "lỗi" in page


def _boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", _boom)]


@pytest.mark.urls(__name__)
def test_a_server_error_answers_with_the_translated_500_page(client, settings):
    settings.DEBUG = False
    settings.LOGIN_REQUIRED_EXEMPT = True
    client.raise_request_exception = False
    client.cookies["portal_language"] = "vi"

    response = client.get("/boom/")

    assert response.status_code == 500
    assert 'lang="vi"' in response.content.decode()
    assert "Lỗi" in response.content.decode() or "lỗi" in response.content.decode()


def test_every_page_links_the_favicon(client):
    page = client.get(reverse("login")).content.decode()

    assert 'rel="icon"' in page
    assert client.get("/static/favicon.svg").status_code == 200
