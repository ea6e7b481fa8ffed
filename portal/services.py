import time

from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import match_token, user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import audit
from portal.middleware import LAST_SEEN, LOGGED_IN_AT, TWO_FACTOR_ENROLLED
from portal.models import User, UserSession


def sessions_clear_expired() -> int:
    """Delete every session whose expiry date has passed, and the records of ended sessions."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    UserSession.objects.exclude(session_key__in=Session.objects.values("session_key")).delete()
    return deleted


def sessions_end(*, user: User, keep: str | None = None) -> int:
    """Delete the user's sessions (all but the one whose key is `keep`); returns how many ended."""
    keys = list(
        UserSession.objects.filter(user=user)
        .exclude(session_key=keep or "")
        .values_list("session_key", flat=True)
    )
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


# --- Logins and logouts ---------------------------------------------------------------------
# Django and django-axes announce these only by signal; the receivers in `portal.signals` call
# these services and do nothing else.


def session_started(*, request: HttpRequest, user: User) -> None:
    """A login: the session notes when it began and whether the user has two-factor set up, is
    recorded as the user's (so that it can be ended with their others) and is audited."""
    now = time.time()
    request.session[LOGGED_IN_AT] = now
    request.session[LAST_SEEN] = now
    request.session[TWO_FACTOR_ENROLLED] = user_has_device(user)
    if request.session.session_key is None:
        request.session.save()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key, defaults={"user": user}
    )
    audit.record(audit.Action.LOGIN, user=user)


def session_ended(*, request: HttpRequest | None, user: User | None) -> None:
    """A logout: the session's record goes and the logout is audited (nothing for a visitor
    who was not logged in)."""
    if user is None:
        return
    if request is not None and request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()
    audit.record(audit.Action.LOGOUT, user=user)


def login_failed(*, username: str, request: HttpRequest | None = None) -> None:
    """One audit row per failed attempt: this one, or `locked_out` when the attempt ended locked.

    django-axes (installed before the portal, so its receiver runs first) marks the request
    when the pair is locked; its `user_locked_out` signal then writes the row instead. Only the
    e-mail typed is kept, never the password.
    """
    if request is not None and getattr(request, "axes_locked_out", False):
        return
    username = str(username or "").strip().lower()
    user = User.objects.filter(email__iexact=username).first() if username else None
    audit.record(
        audit.Action.LOGIN_FAILED,
        username=username,
        organisation=audit.organisation_of(user) if user else None,
        outcome=audit.Outcome.FAILURE,
    )


def locked_out(*, username: str, ip_address: str | None) -> None:
    """An attempt refused because the e-mail and address pair is locked: one audit row."""
    audit.record(
        audit.Action.LOCKED_OUT,
        username=str(username or "").lower(),
        outcome=audit.Outcome.DENIED,
        ip_address=ip_address,
    )


# --- Preferences -----------------------------------------------------------------------------


def user_set_email_reminders(*, actor: User, enabled: bool) -> User:
    """The user's own choice: deadline reminders and the review digest by e-mail, or not (the
    in-portal reminders stay)."""
    actor.email_reminders = enabled
    actor.save(update_fields=["email_reminders"])
    return actor


# --- Account changes ------------------------------------------------------------------------
# Every path that changes a password or deactivates an account calls one of these: the
# portal's password pages, the Django admin and the portal's own code. Nothing happens on a
# bare `user.save()`.


def _account_audit(action: str, *, actor: User | None, user: User, detail: str) -> None:
    # The row names who acted when someone did (an admin, the user themself); a password reset
    # has no one logged in, so it names the account.
    audit.record(action, user=actor, obj=user, username="" if actor else user.email, detail=detail)


@transaction.atomic
def password_changed(
    *,
    actor: User | None,
    user: User,
    keep_session_key: str | None = None,
    renewed_session_key: str | None = None,
) -> int:
    """After `user`'s new password has been saved: end every session of theirs but the one
    whose key is `keep_session_key` (the session the change was made in) and write one audit
    row. Returns how many sessions ended.

    Django gives the session a password is changed in a new key (`update_session_auth_hash`);
    passed as `renewed_session_key`, it is recorded as the actor's, so that a later password
    change or deactivation still ends that session.
    """
    ended = sessions_end(user=user, keep=keep_session_key)
    if actor is not None and renewed_session_key and renewed_session_key != keep_session_key:
        UserSession.objects.filter(session_key=keep_session_key or "").delete()
        UserSession.objects.update_or_create(
            session_key=renewed_session_key, defaults={"user": actor}
        )
    _account_audit(
        audit.Action.PASSWORD_CHANGED,
        actor=actor,
        user=user,
        detail=f"other_sessions_ended:{ended}",
    )
    return ended


@transaction.atomic
def user_set_password(
    *, actor: User | None, user: User, password: str | None, keep_session_key: str | None = None
) -> int:
    """Set and save `user`'s password (None: no password login), then as `password_changed`.

    The password is not validated here: forms and `UserManager` apply the password rules.
    """
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save(update_fields=["password"])
    return password_changed(actor=actor, user=user, keep_session_key=keep_session_key)


@transaction.atomic
def user_deactivate(*, actor: User | None, user: User) -> int:
    """Deactivate the account (again, harmlessly, when the admin form has saved the flag), end
    every session of the user and write one audit row. Returns how many sessions ended."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    ended = sessions_end(user=user)
    _account_audit(
        audit.Action.SESSIONS_ENDED, actor=actor, user=user, detail=f"deactivated:{ended}"
    )
    return ended


# --- Two-factor authentication -------------------------------------------------------------
# Checks: django-otp's `match_token` locks the user's devices (select_for_update), so a code sent
# twice at the same instant is accepted once and a burst of guesses meets the throttle one after
# another. Changes (a new device, new backup codes) lock the user's row first, so that the check
# "has this session passed the device?" cannot be overtaken by an enrolment in another request.

BACKUP_CODES = 10


def _lock_user(user: User) -> None:
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))


def _ensure_may_change_devices(user: User, *, session_verified: bool) -> None:
    """A session that has not passed the user's second factor (a stolen password, say) never
    adds, replaces or renews one. Only a user with no device yet sets one up without it."""
    if not session_verified and user_has_device(user):
        raise PermissionDenied(
            _("Enter a code from your current authenticator before you change it.")
        )


@transaction.atomic
def backup_codes_renew(*, user: User, session_verified: bool) -> list[str]:
    """Replace the user's backup codes with ten new ones; the only time they are readable."""
    _lock_user(user)
    _ensure_may_change_devices(user, session_verified=session_verified)
    device, _created = StaticDevice.objects.get_or_create(user=user, name="backup")
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def two_factor_enrol(
    *,
    user: User,
    key: str,
    token: str,
    session_verified: bool,
    keep_session_key: str | None = None,
) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm a new authenticator with its first code: it replaces any earlier one, comes with
    new backup codes, and ends every other session of the user (one opened before, which never
    had to pass the second factor, or a thief's). None (and nothing stored) when the code is
    wrong; PermissionDenied when a device exists and this session has not passed it."""
    with transaction.atomic():
        _lock_user(user)
        _ensure_may_change_devices(user, session_verified=session_verified)
        with transaction.atomic():
            created = TOTPDevice.objects.create(
                user=user, name="authenticator", key=key, confirmed=False
            )
            device = created if created.verify_token(token) else None
            if device is None:
                transaction.set_rollback(True)
        if device is not None:
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = backup_codes_renew(user=user, session_verified=True)
            audit.record(audit.Action.TWO_FACTOR_ENROLLED, user=user, obj=device)
            sessions_end(user=user, keep=keep_session_key)
    if device is None:
        _two_factor_failed(user, "setup")
        return None
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
