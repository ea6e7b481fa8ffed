from django.contrib.sessions.models import Session
from django.utils import timezone

from portal.models import UserSession


def sessions_clear_expired() -> int:
    """Delete every session whose expiry date has passed, and the records of ended sessions."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    UserSession.objects.exclude(session_key__in=Session.objects.values("session_key")).delete()
    return deleted
