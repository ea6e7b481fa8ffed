"""Writing the audit log.

`record()` adds one row. The acting request's address and user come from a context variable that
`AuditContextMiddleware` sets, so services can audit without being handed the request. Only codes
and ids are stored: never report text, comments, passwords or tokens.
"""

import contextvars
import logging
from dataclasses import dataclass

from portal.models import AuditEvent

logger = logging.getLogger("portal.audit")

Action = AuditEvent.Action
Outcome = AuditEvent.Outcome


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None
    request: object = None


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "audit_request", default=None
)


def bind_request(ip_address: str | None, request=None) -> contextvars.Token:
    return _current.set(RequestContext(ip_address=ip_address or None, request=request))


def unbind_request(token: contextvars.Token) -> None:
    _current.reset(token)


def organisation_of(user):
    """The first organisation the user belongs to (None for anonymous or unattached users)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    memberships = user.membership_list
    return memberships[0].organisation if memberships else None


def record(
    action: str,
    *,
    user=None,
    username: str = "",
    obj=None,
    object_type: str = "",
    object_id: str | int = "",
    detail: str = "",
    outcome: str = Outcome.SUCCESS,
    organisation=None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one audit row; `obj` fills the object type and id from a model instance."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    known_user = user if getattr(user, "is_authenticated", False) else None
    context = _current.get()
    event = AuditEvent.objects.create(
        user=known_user,
        username=(username or (known_user.email if known_user else ""))[:254],
        organisation=organisation or organisation_of(known_user),
        action=action,
        object_type=object_type[:60],
        object_id=str(object_id)[:64] if object_id != "" else "",
        detail=detail[:120],
        outcome=outcome,
        ip_address=ip_address or (context.ip_address if context else None),
    )
    logger.info(
        "audit action=%s outcome=%s user=%s object=%s:%s",
        action,
        outcome,
        known_user.pk if known_user else "-",
        event.object_type or "-",
        event.object_id or "-",
    )
    return event
