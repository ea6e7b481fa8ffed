"""Two-factor codes and set-ups at the same instant, on PostgreSQL's real row locks.

Codes: django-otp's `match_token` (which `portal.services.two_factor_check` calls) loads the
user's devices with select_for_update, so two requests carrying the same code, or a burst of
guesses, are checked one after another: these tests keep it so (they pass without any change
of the portal's). Set-ups: two enrolments of a user with no device used to both succeed, each
deleting the other's device; `portal.services.two_factor_enrol` now locks the user's row, so the
second finds the first's device, which its session has not passed, and is refused.
"""

import threading

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django_otp import oath
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import services
from tests import factories
from tests.reports.test_concurrency import run_together
from tests.security.test_two_factor import code_for

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="row locks need PostgreSQL (SQLite serialises whole transactions); set DATABASE_URL",
    ),
]

KEYS = ["3132333435363738393031323334353637383930", "6162636465666768696a6b6c6d6e6f7071727374"]


def enrolled(key: str = KEYS[0]):
    user = factories.reviewer()
    device, codes = services.two_factor_enrol(
        user=user, key=key, token=code_for(TOTPDevice(key=key)), session_verified=False
    )
    # The set-up used this step's code; let the next check use it again, as a fresh step would.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    return user, TOTPDevice.objects.get(pk=device.pk), codes


def test_the_same_totp_code_sent_twice_at_once_is_accepted_once():
    user, device, _codes = enrolled()

    for _round in range(5):
        code = code_for(device)
        results, errors = run_together(
            *[lambda code=code: services.two_factor_check(user=user, token=code) for _ in range(4)]
        )

        assert errors == []
        assert len([r for r in results if r is not None]) == 1
        TOTPDevice.objects.filter(pk=device.pk).update(
            last_t=-1, throttling_failure_count=0, throttling_failure_timestamp=None
        )
        StaticDevice.objects.filter(user=user).update(
            throttling_failure_count=0, throttling_failure_timestamp=None
        )


def test_the_same_backup_code_sent_twice_at_once_is_accepted_once():
    user, _device, codes = enrolled()

    for code in codes[:5]:
        results, errors = run_together(
            *[lambda code=code: services.two_factor_check(user=user, token=code) for _ in range(4)]
        )

        assert errors == []
        assert len([r for r in results if r is not None]) == 1
        StaticDevice.objects.filter(user=user).update(
            throttling_failure_count=0, throttling_failure_timestamp=None
        )
        TOTPDevice.objects.filter(user=user).update(
            throttling_failure_count=0, throttling_failure_timestamp=None
        )
    assert StaticToken.objects.filter(device__user=user).count() == len(codes) - 5


def test_a_burst_of_guesses_is_checked_one_at_a_time(monkeypatch, settings):
    """Eight guesses at once: the first is checked and fails, the others meet the throttle
    it set and are refused unchecked."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # the burst ends well inside the first delay
    settings.OTP_STATIC_THROTTLE_FACTOR = 60
    user, _device, _codes = enrolled()
    checked = []
    lock = threading.Lock()
    real_verify = oath.TOTP.verify

    def counting_verify(self, *args, **kwargs):
        with lock:
            checked.append(1)
        return real_verify(self, *args, **kwargs)

    monkeypatch.setattr(oath.TOTP, "verify", counting_verify)

    results, errors = run_together(
        *[
            lambda n=n: services.two_factor_check(user=user, token=f"{n:06d}")
            for n in range(100000, 100008)
        ]
    )

    assert errors == [] and results == [None] * 8
    assert len(checked) == 1


def test_two_enrolments_at_once_leave_one_device_and_refuse_the_other():
    """A thief with the password and the owner both set up a first device at the same instant:
    one wins; the other, not having passed the winner's device, is refused."""
    user = factories.reviewer()

    results, errors = run_together(
        *[
            lambda key=key: services.two_factor_enrol(
                user=user, key=key, token=code_for(TOTPDevice(key=key)), session_verified=False
            )
            for key in KEYS
        ]
    )

    assert len(results) == 1 and results[0] is not None
    assert len(errors) == 1 and isinstance(errors[0], PermissionDenied)
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed and device.pk == results[0][0].pk
    assert StaticToken.objects.filter(device__user=user).count() == services.BACKUP_CODES
