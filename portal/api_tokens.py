"""Personal API tokens: made by their user (from a verified session) or an administrator, shown
once, stored as a SHA-256 digest, with an expiry, revocable. A token acts as its user with the
user's memberships of the moment: a deactivated user, or one left without an active
organisation, is refused at once."""

import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import user_has_device

from portal import audit
from portal.models import ApiToken, User

TOKEN_PREFIX = "nap"  # noqa: S105 - the public start of every token, not a secret
# Writing last_used_at on every read would cost a write per request; a minute is precise enough.
TOUCH_EVERY = datetime.timedelta(minutes=1)


class TokenRefused(Exception):
    """The presented token cannot be used. The message is for the client."""


@dataclass
class IssuedToken:
    token: ApiToken
    secret: str  # the whole token as the client sends it; never stored


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(
    *,
    actor: User,
    user: User,
    name: str,
    days: int,
    verified: bool,
) -> IssuedToken:
    """A new token for `user`, by `user` (from a session that passed two-factor, where the user
    has a second factor or must have one) or by an administrator."""
    if actor.pk != user.pk and not actor.is_portal_admin:
        raise PermissionDenied(_("Only national administrators can make tokens for others."))
    if (actor.needs_two_factor or user_has_device(actor)) and not verified:
        raise PermissionDenied(_("Verify your second factor before you make an API token."))
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Give the token a name, such as the program that will use it.")]
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        errors["days"] = [
            _("A token lasts from 1 to %(max)s days.") % {"max": settings.API_TOKEN_MAX_DAYS}
        ]
    if not user.is_active:
        errors["user"] = [_("This user is deactivated.")]
    if errors:
        raise ValidationError(errors)
    prefix = secrets.token_hex(6)
    secret = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name.strip()[:80],
            prefix=prefix,
            digest=_digest(secret),
            created_by=actor,
            expires_at=timezone.now() + datetime.timedelta(days=days),
        )
        audit.record(
            audit.Action.API_TOKEN_CREATED, user=actor, obj=token, detail=f"for user {user.pk}"
        )
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def token_revoke(*, actor: User, token_id: int) -> ApiToken:
    """Stop a token at once (its user, or an administrator)."""
    token = ApiToken.objects.select_for_update().get(pk=token_id)
    if token.user_id != actor.pk and not actor.is_portal_admin:
        raise PermissionDenied(_("You can revoke only your own tokens."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(audit.Action.API_TOKEN_REVOKED, user=actor, obj=token)
    return token


def tokens_of(*, user: User):
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def token_authenticate(secret: str) -> tuple[User, ApiToken]:
    """The user a presented token acts as, or TokenRefused."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        raise TokenRefused(_("This is not a portal API token."))
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.digest, _digest(secret)):
        raise TokenRefused(_("Unknown API token."))
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenRefused(_("This API token has been revoked."))
    if token.expires_at <= now:
        raise TokenRefused(_("This API token has expired."))
    user = token.user
    if not user.is_active or not (user.membership_list or user.is_superuser):
        raise TokenRefused(
            _("The token's user is deactivated or belongs to no active organisation.")
        )
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return user, token


def record_write(*, user: User, token: ApiToken, method: str, path: str, status: int) -> None:
    """One audit row per write made with a token (reads only move last_used_at)."""
    audit.record(
        audit.Action.API_WRITE,
        user=user,
        obj=token,
        detail=f"{method} {path} {status}",
        outcome=audit.Outcome.SUCCESS if status < 400 else audit.Outcome.FAILURE,
    )
