"""`manage.py backup` and `manage.py restore`: a backup restored into a new database and a new
media directory holds every report, figure, attachment, summary and release it was made from."""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from portal import backups
from reports import services as report_services
from reports.models import ActivityReport, Attachment, Figure, ReportEvent
from summaries.models import ProvincialSummary, Release, ReleaseCell
from tests import factories
from tests.files import small_pdf, small_png

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
PDF = small_pdf()
PNG = small_png()
CHECKED = [ActivityReport, Figure, ReportEvent, Attachment, ProvincialSummary, Release, ReleaseCell]


def manage(*args: str, **variables: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    env.update(variables)
    return subprocess.run(  # noqa: S603 - our interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def rows(conninfo: dict, table: str) -> list[tuple]:
    with psycopg.connect(**conninfo) as db, db.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} ORDER BY id")  # noqa: S608 - a model's table
        return cursor.fetchall()


def conninfo(name: str) -> dict:
    db = settings.DATABASES["default"]
    info = {"dbname": name, "host": db["HOST"] or None, "port": db["PORT"] or None}
    info |= {"user": db["USER"] or None, "password": db["PASSWORD"] or None}
    return {k: v for k, v in info.items() if v is not None}


def url_for(name: str) -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{name}"


@pytest.fixture
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def empty_database():
    """A new, empty database beside the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore_{os.getpid()}"
    admin = conninfo("postgres")
    with psycopg.connect(**admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}"')
        db.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(**admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def a_portal_with_everything():
    """Two approved reports with figures and evidence files, summaries and a release."""
    hanoi = factories.province("01")
    reports = []
    for name, data in (("evidence.pdf", PDF), ("photo.png", PNG)):
        report = factories.draft_report(
            organisation=factories.OrganisationFactory(province=hanoi), period_code="2026-Q1"
        )
        report_services.attachment_add(
            actor=report.created_by, report_id=report.pk, upload=SimpleUploadedFile(name, data)
        )
        report_services.report_update(
            actor=report.created_by,
            report_id=report.pk,
            content=report_services.ReportContent(
                title=f"Báo cáo {name}", figures=factories.figures_with_total(report, 40)
            ),
            submit=True,
        )
        report_services.report_approve(
            reviewer=factories.reviewer(provinces=[hanoi]), report_id=report.pk
        )
        reports.append(report)
    factories.publish(2026, 1)
    return reports


@pytest.mark.skipif(not POSTGRES, reason="backups of PostgreSQL need DATABASE_URL=postgres://...")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_backup_restored_into_a_new_database_has_every_report_figure_file_and_release(
    tmp_path, media_root, empty_database
):
    a_portal_with_everything()
    assert Attachment.objects.count() == 2 and Release.objects.count() == 1
    assert ProvincialSummary.objects.exists() and ReleaseCell.objects.exists()

    call_command("backup", output=str(tmp_path / "backups"))
    (directory,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["engine"] == "postgresql"
    assert manifest["media_files"] == 2
    assert manifest["row_counts"][Figure._meta.db_table] == Figure.objects.count()

    restored_media = tmp_path / "restored-media"
    result = manage(
        "restore",
        str(directory),
        DATABASE_URL=url_for(empty_database),
        MEDIA_ROOT=str(restored_media),
        DJANGO_ENV="test",
    )
    assert result.returncode == 0, result.stderr

    source, copy = conninfo(connection.settings_dict["NAME"]), conninfo(empty_database)
    for model in CHECKED:
        table = model._meta.db_table
        original = rows(source, table)
        assert original, f"{table} is empty: the test made nothing to compare"
        assert rows(copy, table) == original, table
    for attachment in Attachment.objects.all():
        restored = restored_media / attachment.file.name
        assert restored.read_bytes() == Path(attachment.file.path).read_bytes()

    # Restoring again over the restored database is refused: it is no longer empty.
    again = manage(
        "restore",
        str(directory),
        DATABASE_URL=url_for(empty_database),
        MEDIA_ROOT=str(tmp_path / "other-media"),
        DJANGO_ENV="test",
    )
    assert again.returncode != 0
    assert "is not empty" in again.stderr


def test_sqlite_is_backed_up_as_a_copy_of_its_file_and_restored(tmp_path):
    """The embedded default too: backup copies the file through SQLite's backup API."""
    source = {
        "DATABASE_URL": "",
        "SQLITE_PATH": str(tmp_path / "portal.sqlite3"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "DJANGO_ENV": "test",
    }
    assert manage("migrate", "--noinput", **source).returncode == 0
    (tmp_path / "media" / "attachments").mkdir(parents=True)
    (tmp_path / "media" / "attachments" / "a.pdf").write_bytes(PDF)
    made = manage("backup", "--output", str(tmp_path / "out"), **source)
    assert made.returncode == 0, made.stderr
    (directory,) = (tmp_path / "out").iterdir()
    assert (directory / "database.sqlite3").is_file()

    target = {
        **source,
        "SQLITE_PATH": str(tmp_path / "restored.sqlite3"),
        "MEDIA_ROOT": str(tmp_path / "restored-media"),
    }
    result = manage("restore", str(directory), **target)
    assert result.returncode == 0, result.stderr
    assert "Restored" in result.stdout
    assert (tmp_path / "restored-media" / "attachments" / "a.pdf").read_bytes() == PDF


def test_a_damaged_backup_is_refused_before_anything_is_restored(tmp_path):
    directory = tmp_path / "napwps-backup-x"
    directory.mkdir()
    (directory / "media.tar.gz").write_bytes(b"changed")
    manifest = {
        "format": backups.FORMAT,
        "engine": "postgresql",
        "files": {"media.tar.gz": {"bytes": 5, "sha256": "0" * 64}},
    }
    (directory / "manifest.json").write_text(json.dumps(manifest))

    with pytest.raises(backups.BackupError, match="checksum"):
        backups.read_manifest(directory)
    with pytest.raises(backups.BackupError, match=r"no manifest\.json"):
        backups.read_manifest(tmp_path)


@pytest.mark.django_db
def test_restore_refuses_a_database_that_is_not_empty(tmp_path, media_root):
    directory = tmp_path / "napwps-backup-x"
    directory.mkdir()
    (directory / "media.tar.gz").write_bytes(b"")
    manifest = {
        "format": backups.FORMAT,
        "engine": connection.vendor,
        "files": {
            "media.tar.gz": {"bytes": 0, "sha256": backups._sha256(directory / "media.tar.gz")}
        },
    }
    (directory / "manifest.json").write_text(json.dumps(manifest))

    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore", str(directory))
