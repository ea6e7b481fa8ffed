from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django_otp import match_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import audit
from portal.models import User, UserSession


def sessions_clear_expired() -> int:
    """Delete every session whose expiry date has passed, and the records of ended sessions."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    UserSession.objects.exclude(session_key__in=Session.objects.values("session_key")).delete()
    return deleted


# --- Two-factor authentication -------------------------------------------------------------

BACKUP_CODES = 10


@transaction.atomic
def backup_codes_renew(*, user: User) -> list[str]:
    """Replace the user's backup codes with ten new ones; the only time they are readable."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name="backup")
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def two_factor_enrol(*, user: User, key: str, token: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm a new authenticator with its first code: it replaces any earlier one and comes
    with new backup codes. None (and nothing stored) when the code is wrong."""
    with transaction.atomic():
        device = TOTPDevice.objects.create(
            user=user, name="authenticator", key=key, confirmed=False
        )
        if not device.verify_token(token):
            transaction.set_rollback(True)
            device = None
    if device is None:
        _two_factor_failed(user, "setup")
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = backup_codes_renew(user=user)
        audit.record(audit.Action.TWO_FACTOR_ENROLLED, user=user, obj=device)
    return device, codes


def two_factor_check(*, user: User, token: str) -> Device | None:
    """The device that accepts the code (authenticator or backup code), or None; audited."""
    device: Device | None = match_token(user, token)
    if device is None:
        _two_factor_failed(user, "verify")
        return None
    audit.record(
        audit.Action.TWO_FACTOR_VERIFIED,
        user=user,
        obj=device,
        detail="backup" if isinstance(device, StaticDevice) else "totp",
    )
    return device


def _two_factor_failed(user: User, where: str) -> None:
    audit.record(
        audit.Action.TWO_FACTOR_FAILED, user=user, detail=where, outcome=audit.Outcome.FAILURE
    )
