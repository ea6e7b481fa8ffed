"""Who is a national administrator: the one rule every layer asks."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from portal.models import User


def ensure_admin(user: User) -> None:
    """Raise PermissionDenied unless the user is a national administrator."""
    if not user.is_portal_admin:
        raise PermissionDenied(_("Only national administrators can do this."))
