"""Every paginated list answers a page number it cannot show with page 1 or its last page,
never a 404: ?page=abc, 0, -1, 99999."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.views.generic.list import MultipleObjectMixin

from tests import factories

BAD_PAGES = ["abc", "0", "-1", "99999", "1.000", "²", ""]


def paginated_lists(patterns=None, prefix="") -> list[str]:
    """The URL names of every list view with pagination (no URL arguments)."""
    found = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            found += paginated_lists(pattern.url_patterns, namespace)
            continue
        view = getattr(pattern.callback, "view_class", None)
        if (
            isinstance(pattern, URLPattern)
            and view is not None
            and issubclass(view, MultipleObjectMixin)
            and view.paginate_by
            and not pattern.pattern.converters
        ):
            found.append(f"{prefix}{pattern.name}")
    return found


def test_the_paginated_lists_are_found():
    assert {"reports:list", "reports:queue", "audit_log", "summaries:runs"} <= set(
        paginated_lists()
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", paginated_lists())
@pytest.mark.parametrize("page", BAD_PAGES)
def test_a_page_number_a_list_cannot_show_gives_a_page_it_can(client, name, page):
    admin = factories.admin_user()
    factories.submitted_report()
    client.force_login(admin)

    response = client.get(reverse(name), {"page": page})

    assert response.status_code == 200
    shown = response.context["page_obj"].number
    assert shown == (1 if page in {"abc", "0", "-1", "1.000", "²", ""} else shown)
    assert shown == 1 or shown == response.context["paginator"].num_pages


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("abc", 1), ("0", 1), ("-1", 1), ("99999", 40), ("last", 40), ("7", 7), (None, 1), ("²", 1)],
)
def test_a_page_number_is_read_as_the_nearest_page_there_is(raw, expected):
    from django.core.paginator import Paginator

    from portal.pagination import page_or_nearest

    assert page_or_nearest(Paginator(range(1000), 25), raw).number == expected
