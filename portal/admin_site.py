"""The Django admin, for national administrators only, with every add, change and delete
written to the audit log.

The admin has no notion of organisations: whoever enters it could list every organisation's
reports, events and accounts. So it opens only to national administrators (an admin membership
of an active organisation, or a superuser) who are staff; any other logged-in user, whatever
model permissions they were given, is refused every admin page (403, audited). Inside, Django's
model permissions apply, and `portal.admin` keeps accounts, permissions and two-factor devices
to superusers.

Every ModelAdmin registered on the site (the portal's and those of django-otp, axes and
simple-history) is given the audit mixin at registration, so no admin can forget it.
"""

from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal import audit


def _changed_fields(message) -> str:
    """Field names from the admin's change message (never values)."""
    names = []
    for part in message if isinstance(message, list) else []:
        for details in part.values():
            names += [str(name) for name in details.get("fields", [])]
    return ",".join(names)


if TYPE_CHECKING:
    _Base = admin.ModelAdmin[Any]  # what the mixin is combined with, for the type checker
else:
    _Base = object  # at runtime a plain mixin: register() puts it before the admin class


class AuditedAdminMixin(_Base):
    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        audit.record(audit.Action.ADMIN_ADD, user=request.user, obj=obj)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        audit.record(
            audit.Action.ADMIN_CHANGE, user=request.user, obj=obj, detail=_changed_fields(message)
        )
        return entry

    def log_deletions(self, request, queryset):
        entries = super().log_deletions(request, queryset)
        for obj in queryset:
            audit.record(audit.Action.ADMIN_DELETE, user=request.user, obj=obj)
        return entries


class PortalAdminSite(admin.AdminSite):
    site_header = site_title = "NAP-WPS"
    index_title = _("Portal administration")

    def has_permission(self, request):
        """Staff who are national administrators; staff status alone is not enough."""
        user = request.user
        return bool(user.is_active and user.is_staff and getattr(user, "is_portal_admin", False))

    def admin_view(self, view, cacheable=False):
        """Django's wrapper (anonymous visitors are sent to log in), and a logged-in user the
        site refuses gets 403 rather than the admin's login form."""
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def refuse_logged_in_outsiders(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied(_("Only national administrators use the administration."))
            return inner(request, *args, **kwargs)

        return refuse_logged_in_outsiders

    def password_change(self, request, extra_context=None):
        """Django's page for an admin's own password, through the portal's view so that the
        admin's other sessions end as they do for everyone else."""
        from django.contrib.admin.forms import AdminPasswordChangeForm

        from portal.views import PasswordChangeView

        defaults = {
            "form_class": AdminPasswordChangeForm,
            "success_url": reverse("admin:password_change_done", current_app=self.name),
            "extra_context": {**self.each_context(request), **(extra_context or {})},
        }
        if self.password_change_template is not None:
            defaults["template_name"] = self.password_change_template
        request.current_app = self.name
        return PasswordChangeView.as_view(**defaults)(request)

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedAdminMixin):
            admin_class = type(admin_class.__name__, (AuditedAdminMixin, admin_class), {})
        return super().register(model_or_iterable, admin_class, **options)
