"""Receivers for what Django and django-axes announce only by signal: logins, logouts, failed
and locked-out attempts. Each calls one service in `portal.services`; the logic lives there.

Account changes (a new password, a deactivation) are not signals: every place that makes one
calls its service explicitly.
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from portal import services


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    services.session_started(request=request, user=user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    services.session_ended(request=request, user=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    services.login_failed(username=credentials.get("username", ""), request=request)


@receiver(user_locked_out)
def on_locked_out(sender, request, username, ip_address, **kwargs):
    services.locked_out(username=username, ip_address=ip_address)
