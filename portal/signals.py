"""Login, logout and account changes: the audit log and the ending of sessions."""

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.sessions.models import Session
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django_otp import user_has_device

from portal import audit
from portal.middleware import LAST_SEEN, LOGGED_IN_AT, TWO_FACTOR_ENROLLED
from portal.models import User, UserSession


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
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


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is None:
        return
    if request is not None and request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()
    audit.record(audit.Action.LOGOUT, user=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    """One row per failed attempt: this one, or `locked_out` when the attempt ended locked.

    django-axes (installed before the portal, so its receiver runs first) marks the request
    when the pair is locked; its `user_locked_out` signal then writes the row instead.
    """
    if request is not None and getattr(request, "axes_locked_out", False):
        return
    # Django has already replaced the password in `credentials`; only the e-mail is kept.
    username = str(credentials.get("username", "")).strip().lower()
    user = User.objects.filter(email__iexact=username).first() if username else None
    audit.record(
        audit.Action.LOGIN_FAILED,
        username=username,
        organisation=audit.organisation_of(user) if user else None,
        outcome=audit.Outcome.FAILURE,
    )


@receiver(user_locked_out)
def on_locked_out(sender, request, username, ip_address, **kwargs):
    audit.record(
        audit.Action.LOCKED_OUT,
        username=str(username or "").lower(),
        outcome=audit.Outcome.DENIED,
        ip_address=ip_address,
    )


def end_sessions(user: User, *, keep: str | None = None) -> int:
    """Delete the user's sessions (all but `keep`); returns how many ended."""
    keys = list(
        UserSession.objects.filter(user=user)
        .exclude(session_key=keep or "")
        .values_list("session_key", flat=True)
    )
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


@receiver(pre_save, sender=User)
def remember_previous(sender, instance: User, update_fields=None, **kwargs):
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        instance._previous_state = None  # e.g. last_login at each login: nothing to compare
        return
    previous = (
        User.objects.filter(pk=instance.pk).values("password", "is_active").first()
        if instance.pk
        else None
    )
    instance._previous_state = previous


@receiver(post_save, sender=User)
def end_sessions_on_change(sender, instance: User, created, **kwargs):
    previous = getattr(instance, "_previous_state", None)
    if created or previous is None:
        return
    if previous["is_active"] and not instance.is_active:
        ended = end_sessions(instance)
        audit.record(
            audit.Action.SESSIONS_ENDED,
            obj=instance,
            username=instance.email,
            detail=f"deactivated:{ended}",
        )
    elif previous["password"] != instance.password:
        ended = end_sessions(instance, keep=audit.current_session_key())
        audit.record(
            audit.Action.PASSWORD_CHANGED,
            obj=instance,
            username=instance.email,
            detail=f"other_sessions_ended:{ended}",
        )
