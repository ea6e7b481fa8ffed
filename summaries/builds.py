"""How a file build runs (the annual report, a large release file): marked running, its progress
saved as it goes, the file saved into media once written, marked done or failed. Safe to repeat:
a finished build is left as it is."""

import tempfile
from collections.abc import Callable, Sequence
from typing import IO, TypeVar

from django.core.files import File
from django.utils import timezone

from summaries.models import FileBuild

Build = TypeVar("Build", bound=FileBuild)
PROGRESS_STEP = 5  # a save every 5% is enough for a page polling it


def run(
    build: Build,
    write: Callable[[IO[bytes], Callable[[int], None]], None],
    *,
    also_save: Sequence[str] = (),
) -> Build:
    """Write the build's file with `write(handle, step)` (`step(percent)` reports progress) and
    keep it; `also_save` names further fields `write` set on the build."""
    if build.is_finished:
        return build
    model = type(build)
    build.status, build.started_at, build.error = FileBuild.Status.RUNNING, timezone.now(), ""
    build.save(update_fields=["status", "started_at", "error"])

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
