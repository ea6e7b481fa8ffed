"""How a file build runs (the annual report, a large release file): marked running, its progress
saved as it goes, the file saved into media once written, marked done or failed. Safe to repeat:
a build already running or finished is left as it is."""

import datetime
import tempfile
from collections.abc import Callable, Sequence
from typing import IO, TypeVar

from django.core.files import File
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q
from django.utils import timezone

from summaries.models import FileBuild

Build = TypeVar("Build", bound=FileBuild)
# Longer than any build task may run (its hard time limit is 40 minutes).
ABANDONED = datetime.timedelta(minutes=45)
PROGRESS_STEP = 5  # a save every 5% is enough for a page polling it


def run(
    build: Build,
    write: Callable[[IO[bytes], Callable[[int], None]], None],
    *,
    also_save: Sequence[str] = (),
) -> Build:
    """Write the build's file with `write(handle, step)` (`step(percent)` reports progress) and
    keep it; `also_save` names further fields `write` set on the build."""
    model = type(build)
    now = timezone.now()
    # Claimed in one UPDATE: a task delivered twice (requeued by the catch-up, redelivered after
    # a lost worker) builds the file once. A build left running past the longest a task may run
    # is taken over.
    claimed = (
        model._default_manager.filter(pk=build.pk)
        .filter(
            Q(status=FileBuild.Status.QUEUED)
            | Q(status=FileBuild.Status.RUNNING, started_at__lt=now - ABANDONED)
        )
        .update(status=FileBuild.Status.RUNNING, started_at=now, error="", progress=0)
    )
    if not claimed:
        build.refresh_from_db()
        return build
    build.status, build.started_at, build.error, build.progress = (
        FileBuild.Status.RUNNING,
        now,
        "",
        0,
    )

    with _ProgressWriter(build) as progress:
        try:
            with tempfile.TemporaryFile() as handle:
                write(handle, progress.step)
                handle.seek(0)
                build.file.save(build.download_name, File(handle), save=False)  # type: ignore[attr-defined]
        except Exception as exc:
            build.status, build.finished_at = FileBuild.Status.FAILED, timezone.now()
            build.error = f"{type(exc).__name__}: {exc}"[:2000]
            build.save(update_fields=["status", "finished_at", "error"])
            raise
    build.status, build.finished_at, build.progress = FileBuild.Status.DONE, timezone.now(), 100
    build.save(update_fields=["status", "finished_at", "progress", "file", *also_save])
    return build


# Only a model's own table name is put into the text; the values are parameters.
_SET_PROGRESS = "UPDATE {table} SET progress = %s WHERE id = %s"


class _ProgressWriter:
    """Saves a build's progress as it goes. On PostgreSQL through a connection of its own: the
    file is read in the task's connection inside a transaction, through COPY or a server-side
    cursor, and a COPY in progress takes no other query; a page polling the build also sees each
    step at once, not when that transaction ends. Elsewhere (SQLite) through the same connection."""

    def __init__(self, build: FileBuild) -> None:
        self.build = build
        self.side: BaseDatabaseWrapper | None = None
        table = connection.ops.quote_name(build._meta.db_table)
        self.sql = _SET_PROGRESS.format(table=table)

    def __enter__(self) -> "_ProgressWriter":
        if connection.vendor == "postgresql":
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.side is not None:
            self.side.close()

    def step(self, percent: int) -> None:
        percent = min(percent, 99)
        if percent < self.build.progress + PROGRESS_STEP:
            return
        self.build.progress = percent
        with (self.side or connection).cursor() as cursor:
            cursor.execute(self.sql, [percent, self.build.pk])
