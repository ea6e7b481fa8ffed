"""Passwords Vietnamese users pick first are refused, and every password message is Vietnamese."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from reports.figures import MAX_FIGURE, FigureInput, check_values
from tests import factories

pytestmark = pytest.mark.django_db

PASSPHRASE = "chúng tôi đi tập huấn ở xã Sóc Sơn vào mùa mưa"


@pytest.mark.parametrize(
    "password",
    ["matkhau123456", "MatKhau123456", "mậtkhẩu123456", "anhyeuem123456", "vietnam123456789"],
)
def test_vietnamese_common_passwords_are_refused(password):
    with pytest.raises(ValidationError) as refused:
        validate_password(password)

    assert "password_too_common" in {e.code for e in refused.value.error_list}


def test_django_common_passwords_are_still_refused_and_passphrases_welcome():
    with pytest.raises(ValidationError):
        validate_password("password1234")
    validate_password(PASSPHRASE)


@pytest.mark.parametrize("password", ["ngắn", "matkhau123456", "203040506070809"])
def test_every_password_message_is_vietnamese_in_the_vietnamese_ui(password):
    with translation.override("vi"), pytest.raises(ValidationError) as refused:
        validate_password(password)

    for message in refused.value.messages:
        assert "password" not in message.lower(), message
        assert "Mật khẩu" in message, message


@pytest.mark.parametrize(("language", "expected"), [("vi", "10.000.000"), ("en", "10,000,000")])
def test_the_over_maximum_message_writes_the_maximum_the_readers_way(language, expected):
    report = factories.draft_report()
    indicator = report.programme.indicators.exclude(aggregation="ratio").first()

    with translation.override(language):
        errors = check_values([indicator], {indicator.pk: FigureInput(total=MAX_FIGURE + 1)})

    (message,) = next(iter(errors.values()))
    assert expected in message
