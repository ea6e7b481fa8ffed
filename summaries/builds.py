"""How a file build runs (the annual report, a large release file): marked running, its progress
saved as it goes, the file saved into media once written, marked done or failed. Safe to repeat:
a build already running or finished is left as it is."""

import datetime
import tempfile
from collections.abc import Callable, Sequence
from typing import IO, TypeVar

from django.core.files import File
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

    def step(percent: int) -> None:
        percent = min(percent, 99)
        if percent >= build.progress + PROGRESS_STEP:
            build.progress = percent
            model._default_manager.filter(pk=build.pk).update(progress=percent)

    try:
        with tempfile.TemporaryFile() as handle:
            write(handle, step)
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
