"""The README's two commands need only Python and make: no gettext on a fresh clone."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _path_without_msgfmt(tmp_path: Path) -> str:
    """A PATH holding make and the shell tools, but no msgfmt."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("make", "sh", "find", "test", "touch", "cp", "rm", "echo", "env"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_compilemessages_works_without_gettext_when_a_checkout_makes_the_po_newer(tmp_path):
    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    po = tmp_path / "locale" / "vi" / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    mo_bytes = mo.read_bytes()
    os.utime(mo, (1_000_000_000, 1_000_000_000))  # the .po is newer, as after a git checkout
    venv_bin = Path(sys.executable).parent

    result = subprocess.run(  # noqa: S603 - fixed arguments
        [
            shutil.which("make") or "make",
            "-f",
            str(ROOT / "Makefile"),
            "-o",
            ".venv/.installed",
            "compilemessages",
            f"BIN={venv_bin}",
        ],
        cwd=tmp_path,
        env={"PATH": _path_without_msgfmt(tmp_path), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "msgfmt" not in result.stderr
    # The committed .mo was in step with the .po: it is trusted as it is (a clean work tree).
    assert mo.read_bytes() == mo_bytes


def test_a_catalogue_out_of_step_is_compiled_in_python(tmp_path):
    from portal.catalogues import compile_catalogues

    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    po_path = tmp_path / "locale" / "vi" / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(po_path))
    po.append(polib.POEntry(msgid="A sentence added by hand", msgstr="Một câu thêm bằng tay"))
    po.save()

    compiled = compile_catalogues(tmp_path)

    assert compiled == [po_path.with_suffix(".mo")]
    mo = polib.mofile(str(po_path.with_suffix(".mo")))
    assert mo.find("A sentence added by hand").msgstr == "Một câu thêm bằng tay"
    assert compile_catalogues(tmp_path) == []


def _make_recipe_line(command: str) -> list[str]:
    """The arguments of the Makefile line that runs `command` (with $(BIN) resolved)."""
    line = next(
        text.strip()
        for text in (ROOT / "Makefile").read_text().splitlines()
        if text.strip().startswith(f"$(BIN)/{command} ")
    )
    return line.replace("$(BIN)", str(Path(sys.executable).parent)).split()


def test_bandit_in_make_test_prints_nothing_when_nothing_is_wrong():
    result = subprocess.run(  # noqa: S603 - the Makefile's own command
        _make_recipe_line("bandit"), cwd=ROOT, capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stdout
    assert result.stdout.strip() == ""
    assert result.stderr.strip() == ""
