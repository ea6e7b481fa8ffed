from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language

from config.metrics import metrics_view
from config.views import HomeView
from portal import twofactor, views
from portal.forms import LoginForm

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
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
