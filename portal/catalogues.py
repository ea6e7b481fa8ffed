"""Compile the translation catalogues (.po to .mo) in Python, so a checkout needs no gettext.

`make run` and `make test` call `python -m portal.catalogues`. A committed .mo that already holds
every entry of its .po is trusted as it is (a git checkout may leave the .po the newer file, and
rewriting the .mo would only dirty the work tree); one out of step is compiled with polib.
"""

import sys
from pathlib import Path

import polib  # type: ignore[import-untyped]  # no stubs; a dev dependency


def _entries(entries) -> dict:
    return {
        (e.msgctxt, e.msgid): (e.msgstr, {int(k): v for k, v in e.msgstr_plural.items()})
        for e in entries
    }


def in_step(po_path: Path, mo_path: Path) -> bool:
    """True when the compiled catalogue holds exactly the translated entries of the source."""
    if not mo_path.exists():
        return False
    po, mo = polib.pofile(str(po_path)), polib.mofile(str(mo_path))

    # msgfmt leaves out the POT-Creation-Date header; the rest (Plural-Forms above all) must match.
    def headers(metadata: dict) -> dict:
        return {k: v for k, v in metadata.items() if k != "POT-Creation-Date"}

    return _entries(po.translated_entries()) == _entries(mo) and headers(po.metadata) == headers(
        mo.metadata
    )


def compile_catalogues(root: Path) -> list[Path]:
    """Compile every locale/**/*.po under `root` whose .mo is missing or out of step."""
    compiled = []
    for po_path in sorted(
        [*root.glob("locale/*/LC_MESSAGES/*.po"), *root.glob("*/locale/*/LC_MESSAGES/*.po")]
    ):
        mo_path = po_path.with_suffix(".mo")
        if in_step(po_path, mo_path):
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        compiled.append(mo_path)
    return compiled


if __name__ == "__main__":
    for path in compile_catalogues(Path.cwd()):
        sys.stdout.write(f"compiled {path}\n")
