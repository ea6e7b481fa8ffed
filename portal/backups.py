"""Backups of the portal: the database and the uploaded files, with a manifest to check them by.

A backup is a directory `napwps-backup-<UTC time>` holding

- `database.dump`: `pg_dump --format=custom` of the PostgreSQL database (or `database.sqlite3`,
  a consistent copy of the SQLite file made with SQLite's backup API);
- `media.tar.gz`: everything under MEDIA_ROOT (the reports' evidence files);
- `manifest.json`: when and from what it was made, the applied migrations, the number of rows of
  every table, and the size and SHA-256 of each file.

On PostgreSQL the row counts and the dump read one snapshot (`pg_export_snapshot`), so they agree
even while people work. `restore` checks the files against the manifest, refuses a database or
media directory that is not empty unless told to replace it, restores, and checks every table's
row count against the manifest.
"""

import datetime
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess  # runs pg_dump and pg_restore with argument lists, never a shell
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media.tar.gz"
POSTGRES_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
PG_BINARIES = Path("/usr/lib/postgresql")


class BackupError(Exception):
    """A backup or restore that cannot be done as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Restored:
    directory: Path
    tables: int
    rows: int
    media_files: int


# --- Helpers -----------------------------------------------------------------------------------


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in {"postgresql", "sqlite"}:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    return vendor


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _row_counts() -> dict[str, int]:
    """Rows of every table the project's models (and their many-to-many tables) own."""
    counts: dict[str, int] = {}
    existing = set(connection.introspection.table_names())
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if model._meta.managed and not model._meta.proxy and table in existing:
            counts[table] = model._base_manager.using(connection.alias).count()
    return dict(sorted(counts.items()))


def _migrations() -> dict[str, str]:
    """The last applied migration of each app."""
    latest: dict[str, str] = {}
    for app, name in (
        MigrationRecorder(connection).migration_qs.order_by("id").values_list("app", "name")
    ):
        latest[app] = name
    return dict(sorted(latest.items()))


def _media_files(root: Path) -> Iterator[Path]:
    if root.is_dir():
        yield from (p for p in sorted(root.rglob("*")) if p.is_file())


def _tar_media(target: Path) -> int:
    root = Path(settings.MEDIA_ROOT)
    count = 0
    with tarfile.open(target, "w:gz") as archive:
        for path in _media_files(root):
            archive.add(path, arcname=path.relative_to(root).as_posix(), recursive=False)
            count += 1
    return count


def _server_major() -> int:
    connection.ensure_connection()
    return int(connection.pg_version) // 10000  # type: ignore[attr-defined]  # PostgreSQL only


def pg_tool(name: str, server_major: int) -> str:
    """pg_dump or pg_restore of at least the server's major version: the one on PATH, else the
    newest under /usr/lib/postgresql (Debian installs each version's tools there)."""
    candidates = [shutil.which(name) or ""]
    if PG_BINARIES.is_dir():
        candidates += [str(p) for p in PG_BINARIES.glob(f"*/bin/{name}")]
    best: tuple[int, str] | None = None
    for candidate in filter(None, candidates):
        try:
            out = subprocess.run(  # noqa: S603 - a PostgreSQL tool, no shell
                [candidate, "--version"], capture_output=True, text=True, timeout=30, check=True
            ).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        found = re.search(r"(\d+)(?:\.\d+)?", out)
        if found and (best is None or int(found.group(1)) > best[0]):
            best = (int(found.group(1)), candidate)
    if best is None:
        raise BackupError(f"{name} was not found: install PostgreSQL's client tools.")
    if best[0] < server_major:
        raise BackupError(
            f"{name} {best[0]} cannot read a PostgreSQL {server_major} server: install the "
            f"client tools of version {server_major} or newer."
        )
    return best[1]


def _pg_environment() -> tuple[dict[str, str], list[str]]:
    """Environment (password) and connection arguments for the PostgreSQL tools."""
    db = connection.settings_dict
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return env, args


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(  # noqa: S603 - a PostgreSQL tool, no shell
        command, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip()[-2000:]}")


# --- Backup ------------------------------------------------------------------------------------


def backup(output: Path) -> Path:
    """Write a backup into a new directory under `output`; returns that directory."""
    engine = _engine()
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    directory = Path(output) / f"napwps-backup-{stamp}"
    directory.mkdir(parents=True, exist_ok=False)
    try:
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "engine": engine,
            "database": str(connection.settings_dict["NAME"]),
        }
        if engine == "postgresql":
            manifest.update(_dump_postgres(directory / POSTGRES_DUMP))
            database_file = POSTGRES_DUMP
        else:
            manifest.update(_copy_sqlite(directory / SQLITE_COPY))
            database_file = SQLITE_COPY
        manifest["media_files"] = _tar_media(directory / MEDIA)
        manifest["files"] = {
            name: {"bytes": (directory / name).stat().st_size, "sha256": _sha256(directory / name)}
            for name in (database_file, MEDIA)
        }
        (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return directory


def _dump_postgres(target: Path) -> dict[str, Any]:
    server_major = _server_major()
    pg_dump = pg_tool("pg_dump", server_major)
    env, args = _pg_environment()
    # One snapshot for the counts and the dump: the transaction that exported it stays open
    # until pg_dump has finished reading.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        counts, migrations = _row_counts(), _migrations()
        command = [pg_dump, "--format=custom", "--no-owner", "--no-privileges"]
        command += [f"--snapshot={snapshot}", f"--file={target}", *args]
        _run([*command, str(connection.settings_dict["NAME"])], env, "pg_dump")
    return {"server_major": server_major, "migrations": migrations, "row_counts": counts}


def _copy_sqlite(target: Path) -> dict[str, Any]:
    source = Path(str(connection.settings_dict["NAME"]))
    with transaction.atomic():  # counts and copy from one state: the copy waits for writers
        counts, migrations = _row_counts(), _migrations()
        _sqlite_copy(source, target)
    return {"migrations": migrations, "row_counts": counts}


# --- Restore -----------------------------------------------------------------------------------


def read_manifest(directory: Path) -> dict[str, Any]:
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{directory} holds no {MANIFEST}: is it a backup directory?")
    manifest: dict[str, Any] = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    for name, expected in manifest["files"].items():
        file = Path(directory) / name
        if not file.is_file():
            raise BackupError(f"{name} is missing from {directory}.")
        if _sha256(file) != expected["sha256"]:
            raise BackupError(f"{name} does not match its checksum: the backup is damaged.")
    return manifest


def restore(directory: Path, *, replace: bool = False, media: bool = True) -> Restored:
    """Restore a backup into the configured database and MEDIA_ROOT, then check the row counts.

    Refuses a database that already has tables, or a MEDIA_ROOT with files, unless `replace`."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    engine = _engine()
    if manifest["engine"] != engine:
        raise BackupError(
            f"This is a {manifest['engine']} backup; the configured database is {engine}."
        )
    if connection.introspection.table_names() and not replace:
        raise BackupError(
            f"The database {connection.settings_dict['NAME']} is not empty. Restore into a new, "
            "empty database (createdb, then point DATABASE_URL at it), or pass --replace to "
            "drop what it holds."
        )
    media_root = Path(settings.MEDIA_ROOT)
    if media and any(_media_files(media_root)) and not replace:
        raise BackupError(
            f"MEDIA_ROOT ({media_root}) already holds files. Restore into an empty directory, "
            "or pass --replace to write over them."
        )
    if engine == "postgresql":
        _restore_postgres(directory / POSTGRES_DUMP, replace=replace)
    else:
        _restore_sqlite(directory / SQLITE_COPY)
    media_files = _untar_media(directory / MEDIA, media_root) if media else 0
    connection.close()
    counts = _row_counts()
    expected: dict[str, int] = manifest["row_counts"]
    wrong = {t: (n, counts.get(t)) for t, n in expected.items() if counts.get(t) != n}
    if wrong:
        listed = ", ".join(f"{t}: {n} expected, {got} found" for t, (n, got) in wrong.items())
        raise BackupError(f"The restored database does not match the manifest: {listed}.")
    return Restored(directory, len(expected), sum(expected.values()), media_files)


def _restore_postgres(dump: Path, *, replace: bool) -> None:
    pg_restore = pg_tool("pg_restore", _server_major())
    env, args = _pg_environment()
    name = str(connection.settings_dict["NAME"])
    connection.close()
    command = [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error"]
    command += ["--single-transaction", *args, f"--dbname={name}"]
    if replace:
        command += ["--clean", "--if-exists"]
    _run([*command, str(dump)], env, "pg_restore")


def _restore_sqlite(copy: Path) -> None:
    target = Path(str(connection.settings_dict["NAME"]))
    connection.close()
    _sqlite_copy(copy, target)


def _sqlite_copy(source: Path, target: Path) -> None:
    origin, destination = sqlite3.connect(source), sqlite3.connect(target)
    try:
        origin.backup(destination)
    finally:
        origin.close()
        destination.close()


def _untar_media(archive_path: Path, root: Path) -> int:
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive_path, "r:gz") as archive:
        members = [m for m in archive.getmembers() if m.isfile()]
        archive.extractall(root, members=members, filter="data")
    return len(members)
