import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories

NOW = timezone.make_aware(datetime.datetime(2026, 11, 2, 9, 0))


def post_login(client, email, password=factories.TEST_PASSWORD, **extra):
    return client.post(reverse("login"), {"username": email, "password": password}, **extra)


@pytest.fixture
def clock():
    import time_machine

    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller
