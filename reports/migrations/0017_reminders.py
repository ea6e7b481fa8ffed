"""Notifications become general: a kind (a report event, or one of three deadline reminders),
an optional event, and the organisation kept beside its name. Every existing notice is a report
event's: it keeps its event and gets its report's organisation. Reviewers' weekly digests."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def organisations_of_existing_notices(apps, schema_editor):
    Notification = apps.get_model("reports", "Notification")
    ActivityReport = apps.get_model("reports", "ActivityReport")
    Notification.objects.filter(organisation__isnull=True, event__isnull=False).update(
        organisation_id=models.Subquery(
            ActivityReport.objects.filter(events=models.OuterRef("event_id")).values(
                "organisation_id"
            )[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0008_programme_approval_levels"),
        ("portal", "0013_user_email_reminders"),
        ("reports", "0016_offline_sync_receipts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ReviewDigest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("week_date", models.DateField(verbose_name="week starting")),
                ("report_count", models.PositiveIntegerField(verbose_name="reports waiting")),
                (
                    "sent_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="sent at"),
                ),
            ],
            options={
                "verbose_name": "review digest",
                "verbose_name_plural": "review digests",
            },
        ),
        migrations.AddField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("event", "Report event"),
                    ("due_soon", "Deadline approaching"),
                    ("due_today", "Deadline today"),
                    ("overdue", "Report overdue"),
                ],
                default="event",
                max_length=10,
                verbose_name="kind",
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="organisation",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="portal.organisation",
                verbose_name="organisation",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="event",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notifications",
                to="reports.reportevent",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="event_kind",
            field=models.CharField(
                blank=True,
                choices=[
                    ("created", "Created"),
                    ("edited", "Edited"),
                    ("submitted", "Submitted"),
                    ("withdrawn", "Withdrawn to draft"),
                    ("returned", "Returned for correction"),
                    ("approved_1", "Approved at level 1"),
                    ("accepted", "Accepted at level 2"),
                    ("approved", "Approved"),
                    ("reopened", "Reopened"),
                ],
                max_length=12,
                verbose_name="event",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="report_title",
            field=models.CharField(blank=True, max_length=200, verbose_name="report title"),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("emailed_at__isnull", True), ("event__isnull", True)),
                fields=["created_at"],
                name="reminder_unsent",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                condition=models.Q(("event__isnull", True)),
                fields=("recipient", "organisation", "programme", "period", "kind"),
                name="reminder_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", "event"), ("event__isnull", False)),
                    models.Q(
                        ("kind__in", ["due_soon", "due_today", "overdue"]),
                        ("event__isnull", True),
                        ("organisation__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="notification_kind_fits",
            ),
        ),
        migrations.AddField(
            model_name="reviewdigest",
            name="recipient",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="reviewdigest",
            constraint=models.UniqueConstraint(
                fields=("recipient", "week_date"), name="review_digest_once"
            ),
        ),
        # Last: filling a foreign key leaves deferred checks pending, and PostgreSQL alters no
        # table with pending checks in the same transaction.
        migrations.RunPython(organisations_of_existing_notices, migrations.RunPython.noop),
    ]
