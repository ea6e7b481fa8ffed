"""The annual NAP report from the demo: both formats in both languages, each as its own
`manage.py nap_report` process (as an admin or the page's worker would run it), timed end to end.

    DATABASE_URL=postgres://... python manage.py seed_demo
    DATABASE_URL=postgres://... python bench/nap_report.py [--year 2026]

The floor, measured in the same run, is a bare `manage.py check` process (Python, Django and the
settings starting up): each report's time is also printed as a multiple of it, with the CPU time
the process used (user + system), so the figures read the same on a busy machine. The goal
(issue 15) is all four files in under a minute.
"""

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _setup import ROOT

GOAL_SECONDS = 60


def run(*args: str) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one manage.py process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - this interpreter running the project's manage.py
        [sys.executable, str(ROOT / "manage.py"), *args], check=True, capture_output=True
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2026)
    args = parser.parse_args()
    floor, floor_cpu = run("check")
    print(f"floor (manage.py check): {floor:.1f} s, CPU {floor_cpu:.1f} s")
    total = total_cpu = 0.0
    with tempfile.TemporaryDirectory() as folder:
        for language in ("vi", "en"):
            for file_format in ("docx", "pdf"):
                output = Path(folder) / f"report-{language}.{file_format}"
                seconds, cpu = run(
                    "nap_report",
                    f"--year={args.year}",
                    f"--language={language}",
                    f"--format={file_format}",
                    f"--output={output}",
                )
                total += seconds
                total_cpu += cpu
                size = output.stat().st_size // 1024
                print(
                    f"{language} {file_format:4} {seconds:6.1f} s  {seconds / floor:5.1f} x floor"
                    f"  CPU {cpu:5.1f} s  {size:6} KiB"
                )
    verdict = "within" if total <= GOAL_SECONDS else "ABOVE"
    print(
        f"all four: {total:.1f} s ({total / floor:.1f} x floor), CPU {total_cpu:.1f} s:"
        f" {verdict} the {GOAL_SECONDS} s goal"
    )


if __name__ == "__main__":
    main()
