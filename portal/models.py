from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from portal.localized import BilingualNameMixin, pick_language


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        if password is not None:
            # Every path that creates an account (createsuperuser --noinput included) applies
            # the same password rules as the forms.
            validate_password(password, user)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with their e-mail address."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Whether the user can log into the Django admin."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    email_reminders = models.BooleanField(
        _("e-mail me reminders"),
        default=True,
        # Also the database's default: a row written without it (an older migration's model, a
        # hand-written INSERT) still gets reminders.
        db_default=True,
        help_text=_(
            "Deadline reminders and the weekly review digest by e-mail. Reminders still appear "
            "among your notifications in the portal."
        ),
    )

    objects = UserManager()

    # Not a field: portal.signals keeps the stored password and active flag here during a save.
    _previous_state: Mapping[str, Any] | None

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[-1] if self.full_name else self.email

    @cached_property
    def membership_list(self) -> list["Membership"]:
        """Active memberships with organisation and review scope, loaded once per user object."""
        return list(
            self.memberships.filter(organisation__is_active=True)
            .select_related("organisation")
            .prefetch_related("scope_provinces", "scope_organisations")
        )

    def roles(self) -> set[str]:
        """The roles this user holds through their memberships (admin for superusers)."""
        roles = {m.role for m in self.membership_list}
        if self.is_superuser:
            roles.add(Membership.Role.ADMIN)
        return roles

    def organisation_ids(self, role: str) -> set[int]:
        return {m.organisation_id for m in self.membership_list if m.role == role}

    def review_scope(self) -> tuple[set[int], set[int]]:
        """(province ids, organisation ids) the user reviews through reviewer memberships."""
        provinces, organisations = set(), set()
        for membership in self.membership_list:
            if membership.role == Membership.Role.REVIEWER:
                provinces |= {p.pk for p in membership.scope_provinces.all()}
                organisations |= {o.pk for o in membership.scope_organisations.all()}
        return provinces, organisations

    @property
    def is_portal_admin(self) -> bool:
        """A national administrator: may do everything, sees every organisation's figures."""
        return Membership.Role.ADMIN in self.roles()

    @property
    def is_central_reviewer(self) -> bool:
        """A reviewer of the VWU central union: accepts reports at the second approval level,
        nationwide (see `reports.access`)."""
        return any(
            m.role == Membership.Role.REVIEWER
            and m.organisation.kind == Organisation.Kind.VWU_CENTRAL
            for m in self.membership_list
        )

    @cached_property
    def subtree_organisation_ids(self) -> frozenset[int]:
        """The organisations below those the user is a member of (any role): staff of a parent
        read their descendants' reports and working figures. One query, once per user object,
        so once per request; it reads memberships and the organisation tree, never reports."""
        from portal.hierarchy import descendant_ids

        own = {m.organisation_id for m in self.membership_list}
        return frozenset(descendant_ids(own) - own)

    @property
    def reviews_reports(self) -> bool:
        """An admin, a central reviewer, or a reviewer with a scope: may review reports and
        download summaries."""
        return self.is_portal_admin or self.is_central_reviewer or any(self.review_scope())

    @property
    def needs_two_factor(self) -> bool:
        """Reviewers, admins and staff (the Django admin) must use a second factor."""
        return (
            self.is_staff
            or self.is_superuser
            or bool(self.roles() & {Membership.Role.REVIEWER, Membership.Role.ADMIN})
        )


class Province(BilingualNameMixin, models.Model):
    """A provincial-level unit in force since 1 July 2025 (34 of them)."""

    code = models.CharField(
        _("code"), max_length=2, unique=True, help_text=_("Statistics office code.")
    )
    name_vi = models.CharField(_("Vietnamese name"), max_length=100)
    short_name_vi = models.CharField(_("short Vietnamese name"), max_length=60)
    name_ascii = models.CharField(_("ASCII name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    division_type = models.CharField(
        _("type"),
        max_length=60,
        help_text=_(
            "As published, e.g. 'tỉnh' or 'thành phố trung ương'. Types change, so it is data."
        ),
    )
    source = models.CharField(_("source"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self):
        return f"{self.code} {self.short_name}"

    @property
    def short_name(self) -> str:
        return pick_language(self.short_name_vi, self.name_ascii)


class LegacyProvince(models.Model):
    """One of the 63 provinces in force before 1 July 2025, and the unit it was merged into."""

    code = models.CharField(_("code"), max_length=2, unique=True)
    name_vi = models.CharField(_("Vietnamese name"), max_length=100)
    successor = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        related_name="legacy_provinces",
        verbose_name=_("merged into"),
    )

    class Meta:
        verbose_name = _("pre-2025 province")
        verbose_name_plural = _("pre-2025 provinces")

    def __str__(self):
        return f"{self.code} {self.name_vi}"


class Organisation(models.Model):
    class Kind(models.TextChoices):
        VWU_CENTRAL = "vwu_central", _("VWU central")
        VWU_PROVINCIAL = "vwu_provincial", _("VWU provincial chapter")
        VWU_COMMUNE = "vwu_commune", _("VWU commune chapter")
        CSO = "cso", _("Civil-society organisation")
        MINISTRY = "ministry", _("Ministry or national agency")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        verbose_name=_("province"),
        help_text=_("Leave empty for national bodies."),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent organisation"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    # Which kinds of organisation each kind may sit under (besides none). A kind not listed
    # (ministries, other bodies) may sit under an organisation of its own kind.
    PARENT_KINDS: dict[str, frozenset[str]] = {
        Kind.VWU_CENTRAL: frozenset({Kind.VWU_CENTRAL}),  # a unit of the central union
        Kind.VWU_PROVINCIAL: frozenset({Kind.VWU_CENTRAL}),
        Kind.VWU_COMMUNE: frozenset({Kind.VWU_PROVINCIAL}),
        Kind.CSO: frozenset({Kind.CSO}),  # a CSO network and its members
    }
    MAX_DEPTH = 10  # far deeper than any real tree: a walk up that goes further has a cycle

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")), name="organisation_not_own_parent"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        parent = self.parent
        if parent is None:
            return
        allowed = self.PARENT_KINDS.get(self.kind, frozenset({self.kind}))
        if parent.kind not in allowed:
            kinds = ", ".join(str(self.Kind(kind).label) for kind in sorted(allowed))
            raise ValidationError(
                {
                    "parent": _("A %(kind)s sits under: %(kinds)s.")
                    % {"kind": self.get_kind_display(), "kinds": kinds}
                }
            )
        if (
            self.kind == self.Kind.VWU_COMMUNE
            and parent.province_id is not None
            and self.province_id != parent.province_id
        ):
            raise ValidationError(
                {"parent": _("A commune chapter sits under the chapter of its own province.")}
            )
        if self.pk is not None and self.pk in self.ancestor_ids(start=parent):
            raise ValidationError(
                {"parent": _("An organisation cannot sit under itself or one of its members.")}
            )

    def ancestor_ids(self, *, start: "Organisation | None" = None) -> list[int]:
        """The organisations above this one (or from `start` up), nearest first."""
        ids: list[int] = []
        node = start if start is not None else self.parent
        while node is not None and len(ids) <= self.MAX_DEPTH:
            if node.pk in ids:
                break  # a cycle already in the database: stop
            ids.append(node.pk)
            node = node.parent
        return ids


class Membership(models.Model):
    """A user's role in an organisation; a reviewer's scope is provinces and organisations."""

    class Role(models.TextChoices):
        REPORTER = "reporter", _("Reporter")
        REVIEWER = "reviewer", _("Reviewer")
        ADMIN = "admin", _("Administrator")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    scope_provinces = models.ManyToManyField(
        Province,
        blank=True,
        related_name="+",
        verbose_name=_("provinces reviewed"),
        help_text=_("Reviewers only: reports located in these provinces."),
    )
    scope_organisations = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="+",
        verbose_name=_("organisations reviewed"),
        help_text=_("Reviewers only: reports filed by these organisations."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"


class UserSession(models.Model):
    """Which session belongs to whom, so that a user's other sessions can be ended at once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="portal_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("user session")
        verbose_name_plural = _("user sessions")

    def __str__(self):
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The audit log is append-only.")

    def delete(self):
        raise TypeError("The audit log is append-only.")


class AuditEvent(models.Model):
    """Append-only record of who did what: never report text, passwords or tokens."""

    class Action(models.TextChoices):
        LOGIN = "login", _("Login")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOCKED_OUT = "locked_out", _("Locked out")
        LOGOUT = "logout", _("Logout")
        TWO_FACTOR_ENROLLED = "2fa_enrolled", _("Two-factor set up")
        TWO_FACTOR_FAILED = "2fa_failed", _("Two-factor code refused")
        TWO_FACTOR_VERIFIED = "2fa_verified", _("Two-factor code accepted")
        ACCESS_DENIED = "access_denied", _("Access denied")
        REPORT_TRANSITION = "report", _("Report transition")
        REPORTS_IMPORTED = "report_import", _("Reports imported from a spreadsheet")
        SUMMARY_DOWNLOAD = "download", _("Summary download")
        WORKING_DOWNLOAD = "working_download", _("Confidential working-figures download")
        RELEASE_PUBLISHED = "release", _("Release published")
        NAP_REPORT_BUILT = "nap_report", _("Annual NAP report built")
        NAP_REPORT_DOWNLOAD = "nap_report_download", _("Annual NAP report downloaded")
        NAP_HIGHLIGHTS_CHANGED = "nap_highlights", _("Annual NAP report highlights changed")
        AUDIT_DOWNLOAD = "audit_download", _("Audit log download")
        PASSWORD_CHANGED = "password", _("Password changed")
        SESSIONS_ENDED = "sessions_ended", _("Sessions ended")
        ADMIN_ADD = "admin_add", _("Admin: added")
        ADMIN_CHANGE = "admin_change", _("Admin: changed")
        ADMIN_DELETE = "admin_delete", _("Admin: deleted")
        API_TOKEN_CREATED = "api_token_created", _("API token created")
        API_TOKEN_REVOKED = "api_token_revoked", _("API token revoked")
        API_WRITE = "api_write", _("API write")
        DHIS2_MAPPING_IMPORTED = "dhis2_mapping", _("DHIS2 mapping imported")
        DHIS2_EXPORT = "dhis2_export", _("DHIS2 export downloaded")
        DHIS2_PUSH = "dhis2_push", _("DHIS2 push")

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Success")
        FAILURE = "failure", _("Failure")
        DENIED = "denied", _("Denied")

    at = models.DateTimeField(_("time (UTC)"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # What was typed at a failed login, or the e-mail at the time: kept when the user is deleted.
    username = models.CharField(_("e-mail"), max_length=254, blank=True)
    organisation = models.ForeignKey(
        "Organisation",
        verbose_name=_("organisation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    # A short code such as "draft->submitted" or "csv"; never free text a user typed.
    detail = models.CharField(_("detail"), max_length=120, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    ip_address = models.GenericIPAddressField(_("source address"), null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["action", "-at"], name="audit_action_time"),
            models.Index(fields=["user", "-at"], name="audit_user_time"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.outcome}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise TypeError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit log is append-only.")


class ApiToken(models.Model):
    """A personal API token: it acts as its user, with the user's memberships of the moment.

    Only a SHA-256 digest of the secret is stored; the token is shown once, when it is made.
    The public `prefix` finds the row without comparing digests across the table."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    digest = models.CharField(_("digest"), max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["user", "-created_at"], name="api_token_user_recent")]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
