"""The people and places in the Django admin, and what only a superuser may do there.

The site itself opens only to national administrators (`portal.admin_site`). A national
administrator who is not a superuser works within the model permissions a superuser gave them,
and never sees or changes a superuser's account, never grants superuser status, groups or
permissions (which would let them give themselves more), and never adds or edits a two-factor
device (whose key would let them pass as its owner); they may view and delete devices, as
`reset_two_factor` does. Device secrets (TOTP keys and their QR codes, backup codes) are shown
to nobody once the device exists (`OTP_ADMIN_HIDE_SENSITIVE_DATA`).
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import api_tokens, services
from portal.models import ApiToken, LegacyProvince, Membership, Organisation, Province, User

# Fields of an account that give power over the portal itself: superusers only.
SUPERUSER_ONLY_FIELDS = ("is_superuser", "groups", "user_permissions")


def _is_superuser(request) -> bool:
    return bool(getattr(request.user, "is_superuser", False))


class MembershipInline(admin.StackedInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]
    filter_horizontal = ["scope_provinces", "scope_organisations"]


class PortalUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")


class PortalUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = PortalUserChangeForm
    add_form = PortalUserCreationForm
    inlines = [MembershipInline]
    list_display = ["email", "full_name", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "memberships__role"]
    search_fields = ["email", "full_name"]
    ordering = ["email"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name",)}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "usable_password", "password1", "password2"),
            },
        ),
    )

    def get_queryset(self, request):
        """A superuser's account is out of reach (list, change, password, delete, history)
        for anyone who is not a superuser."""
        users = super().get_queryset(request)
        return users if _is_superuser(request) else users.filter(is_superuser=False)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if _is_superuser(request) else [*fields, *SUPERUSER_ONLY_FIELDS]

    def save_model(self, request, obj, form, change):
        """Django's save; a deactivation then goes through the service, which ends the user's
        sessions."""
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            services.user_deactivate(actor=request.user, user=obj)

    def user_change_password(self, request, id, form_url=""):
        """Django's page, which saves the password and gives the admin's session a new key;
        a new password then goes through the service, which ends the user's other sessions."""
        user = self.get_object(request, unquote(id))
        previous = user.password if user is not None else None
        session_key = request.session.session_key
        response = super().user_change_password(request, id, form_url)
        if user is not None and request.method == "POST":
            user.refresh_from_db(fields=["password"])
            if user.password != previous:
                services.password_changed(
                    actor=request.user,
                    user=user,
                    keep_session_key=session_key,
                    renewed_session_key=request.session.session_key,
                )
        return response


class LegacyProvinceInline(admin.TabularInline):
    model = LegacyProvince
    extra = 0


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "division_type"]
    list_filter = ["division_type"]
    search_fields = ["code", "name_vi", "name_ascii", "name_en", "legacy_provinces__name_vi"]
    ordering = ["code"]
    inlines = [LegacyProvinceInline]


@admin.register(LegacyProvince)
class LegacyProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "successor"]
    list_select_related = ["successor"]
    search_fields = ["code", "name_vi"]
    ordering = ["code"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "province", "parent", "is_active"]
    list_filter = ["kind", "is_active", "province"]
    list_select_related = ["province", "parent"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["parent"]
    ordering = ["name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "organisation"]
    list_filter = ["role"]
    list_select_related = ["user", "organisation"]
    search_fields = ["user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    filter_horizontal = ["scope_provinces", "scope_organisations"]
    ordering = ["user__email"]


# Groups hold permissions: whoever edits one may give its members (themself) anything.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    def has_module_permission(self, request):
        return _is_superuser(request)

    def has_view_permission(self, request, obj=None):
        return _is_superuser(request)

    def has_add_permission(self, request):
        return _is_superuser(request)

    def has_change_permission(self, request, obj=None):
        return _is_superuser(request)

    def has_delete_permission(self, request, obj=None):
        return _is_superuser(request)


class DeviceWritesForSuperusers:
    """Two-factor devices: only a superuser adds or edits one (a chosen key would let the editor
    pass as the device's owner); others may view and delete, with the model's permissions."""

    def has_add_permission(self, request):
        return _is_superuser(request) and super().has_add_permission(request)  # type: ignore[misc]

    def has_change_permission(self, request, obj=None):
        return _is_superuser(request) and super().has_change_permission(request, obj)  # type: ignore[misc]


admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)
admin.site.register(
    TOTPDevice, type("TOTPDeviceAdmin", (DeviceWritesForSuperusers, TOTPDeviceAdmin), {})
)
admin.site.register(
    StaticDevice, type("StaticDeviceAdmin", (DeviceWritesForSuperusers, StaticDeviceAdmin), {})
)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made on the API tokens page (shown once there); here they are seen and revoked."""

    list_display = [
        "name",
        "user",
        "prefix",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__email"]
    readonly_fields = [f.name for f in ApiToken._meta.fields if f.name != "digest"]
    exclude = ["digest"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            api_tokens.token_revoke(actor=request.user, token_id=token.pk)
