"""Every change to what the working figures are built from, other than the summary rows
themselves (which `summaries.aggregation` writes and versions), changes their version.

Links written as rows of their own (`Programme.organisations.through.objects...`) send no
signal: the admin's inline is caught by its log entry; other such writers (`seed_demo`) call
`summaries.versions.bump` themselves."""

from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

from indicators.models import Indicator, Programme
from portal.models import Organisation
from reports.models import ReportingPeriod
from summaries import versions
from summaries.models import SummaryVersion

# What `summaries.cube` reads beside the summary rows: the periods of a year, the indicators
# (rules, breakdowns), and who is expected to report them (active programmes, their indicators
# and active organisations, by province).
MODELS = (ReportingPeriod, Indicator, Programme, Organisation)
LINKS = (Programme.indicators.through, Programme.organisations.through)


def _changed(**_kwargs: Any) -> None:
    versions.bump()


def _links_changed(action: str, **_kwargs: Any) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        versions.bump()


def _logged_by_admin(instance: LogEntry, **_kwargs: Any) -> None:
    """The admin saves the links an inline edits (an organisation's programmes) as rows of their
    own, which send no signal (Django sends none for an automatic link model); it then logs the
    change of the page's object, which does."""
    if instance.content_type_id is None:
        return
    model = ContentType.objects.get_for_id(instance.content_type_id).model_class()
    if model in MODELS:
        versions.bump()


def _migrated(**_kwargs: Any) -> None:
    """Migrations may change data with bulk statements: a new version once they are done (if
    the version's table is there: not when migrating the summaries back)."""
    if SummaryVersion._meta.db_table in connection.introspection.table_names():
        versions.bump()


def connect(app_config: Any) -> None:
    for model in MODELS:
        post_save.connect(_changed, sender=model, dispatch_uid=f"summary-version-save-{model}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"summary-version-del-{model}")
    for through in LINKS:
        m2m_changed.connect(
            _links_changed, sender=through, dispatch_uid=f"summary-version-link-{through}"
        )
    post_save.connect(_logged_by_admin, sender=LogEntry, dispatch_uid="summary-version-admin")
    post_migrate.connect(_migrated, sender=app_config, dispatch_uid="summary-version-migrate")
