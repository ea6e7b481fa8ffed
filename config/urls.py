from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from config.metrics import metrics_view
from config.offline import service_worker
from config.views import HomeView
from indicators.api import IndicatorViewSet, ProgrammeViewSet
from portal import twofactor, views
from portal.api import OrganisationViewSet, PortalAPIMixin
from portal.forms import LoginForm
from reports.api import PeriodViewSet, ReportViewSet
from summaries.api import CompletenessView, ReleaseViewSet


class SchemaView(PortalAPIMixin, SpectacularAPIView):
    pass


class SwaggerView(SpectacularSwaggerSplitView):
    """A page for people: the portal's login (and two-factor) rules apply as to any page."""

    template_name = "api/swagger_ui.html"

    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        view.login_required = True  # DRF waives the login rule for its views; not for this page
        return view


api = DefaultRouter(trailing_slash=True, use_regex_path=True)
api.include_format_suffixes = False
api.include_root_view = False
api.register("indicators", IndicatorViewSet, basename="indicator")
api.register("programmes", ProgrammeViewSet, basename="programme")
api.register("periods", PeriodViewSet, basename="period")
api.register("organisations", OrganisationViewSet, basename="organisation")
api.register("reports", ReportViewSet, basename="report")
api.register("releases", ReleaseViewSet, basename="release")

api_urls = [
    *api.urls,
    path("completeness/", CompletenessView.as_view(), name="completeness"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="api:schema"), name="docs"),
]

urlpatterns = [
    path("api/v1/", include((api_urls, "api"))),
    path("", HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    # At the root, so that the worker's scope is the whole portal.
    path("sw.js", service_worker, name="service-worker"),
    path("metrics", metrics_view, name="metrics"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(
            email_template_name="registration/password_reset_email.txt"
        ),
        name="password_reset",
    ),
    path(
        "accounts/password_change/",
        views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/two-factor/", twofactor.SetupView.as_view(), name="two_factor_setup"),
    path("accounts/two-factor/verify/", twofactor.VerifyView.as_view(), name="two_factor_verify"),
    path(
        "accounts/two-factor/backup-codes/",
        twofactor.BackupCodesView.as_view(),
        name="two_factor_backup_codes",
    ),
    path("accounts/me/", views.AccountView.as_view(), name="account"),
    path("accounts/api-tokens/", views.ApiTokenView.as_view(), name="api_tokens"),
    path(
        "accounts/api-tokens/<int:pk>/revoke/",
        views.ApiTokenRevokeView.as_view(),
        name="api_token_revoke",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    # The login page offers the language switch, so it must work before login.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("i18n/js/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("audit/", views.AuditLogView.as_view(), name="audit_log"),
    path("audit/download.csv", views.audit_log_download, name="audit_log_download"),
    path("catalogue/", include("indicators.urls")),
    path("reports/", include("reports.urls")),
    path("summaries/", include("summaries.urls")),
    path("admin/", admin.site.urls),
]
