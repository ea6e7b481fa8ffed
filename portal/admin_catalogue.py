"""Strings of the Django admin that Django's own Vietnamese catalogue leaves untranslated (it lags
behind the English one: "Skip to main content", "Show counts", the theme switch...). Marked here
so that `makemessages` keeps them in the portal's catalogue, which Django reads before its own;
`tests/portal/test_translations.py` fails when a Django upgrade adds another."""

from django.utils.translation import gettext_noop, ngettext


def _plural_forms() -> None:  # never called: `makemessages` reads the call below
    ngettext("entry", "entries", 0)
    ngettext("Please correct the error below.", "Please correct the errors below.", 0)


MISSING_FROM_DJANGO = [
    gettext_noop("LogEntry Object"),
    gettext_noop("Select this object for an action - {}"),
    gettext_noop("Breadcrumbs"),
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_noop("Error:"),
    gettext_noop("Set password"),
    gettext_noop(
        "This action will <strong>enable</strong> password-based authentication for this user."
    ),
    gettext_noop("Disable password-based authentication"),
    gettext_noop("Enable password-based authentication"),
    gettext_noop("Skip to main content"),
    gettext_noop("Hide counts"),
    gettext_noop("Show counts"),
    gettext_noop("Toggle theme (current theme: auto)"),
    gettext_noop("Toggle theme (current theme: light)"),
    gettext_noop("Toggle theme (current theme: dark)"),
    gettext_noop("Added:"),
    gettext_noop("Changed:"),
    gettext_noop("Deleted:"),
    gettext_noop("Forgotten your login credentials?"),
    gettext_noop("Toggle navigation"),
    gettext_noop("Sidebar"),
    gettext_noop("Filter navigation items"),
    gettext_noop("View selected %(model)s"),
    gettext_noop("In case you’ve forgotten, you are:"),
    gettext_noop("Select all objects on this page for an action"),
]
