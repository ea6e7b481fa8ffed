"""Shared start-up for the benchmark scripts: Django on whatever DATABASE_URL says."""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("note: DATABASE_URL is not PostgreSQL; the figures in the issues are for PostgreSQL")


def timed(function, repeat: int) -> tuple[float, list[float]]:
    """Median milliseconds of `repeat` calls, and every sample."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), samples
