from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """E-mail and password. The error never says which of the two was wrong."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The e-mail address or the password is not right. Check both and try again."
        ),
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


class TokenForm(forms.Form):
    """A six-digit code from the authenticator app, or one of the backup codes."""

    token = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self):
        return "".join(self.cleaned_data["token"].split()).lower()


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("What will use the token, such as “province dashboard”."),
    )
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=365, initial=90)
    email = forms.EmailField(
        label=_("For user (e-mail)"),
        required=False,
        help_text=_("Administrators only: leave empty for a token of your own."),
    )

    def __init__(self, *args, for_admin: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not for_admin:
            del self.fields["email"]


class PreferencesForm(forms.Form):
    email_reminders = forms.BooleanField(
        label=_("E-mail me deadline reminders and the weekly review digest"),
        help_text=_("Reminders still appear among your notifications in the portal."),
        required=False,
    )
