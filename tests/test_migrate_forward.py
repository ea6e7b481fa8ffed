"""A database migrated before the layers were separated migrates forward with every row intact.

The layers commit moved the summary models to `summaries` and the stale marks to `reports` (their
tables keep their names), and the organisation/programme link from `portal.Organisation` to
`indicators.Programme` (same table). The migrations that created them were replaced by migrations
declaring `replaces`, so a database that applied the old ones must count the new ones as applied
and keep its data. This test builds such a database with the code of the commit before, migrates
it with the code of this tree, and compares the rows.

It manages its own database through `manage.py` subprocesses (never the pytest-django test
database): a new PostgreSQL database beside the one in DATABASE_URL when that is PostgreSQL,
otherwise a SQLite file in a temporary directory. Both are removed at the end.
"""

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import environ
import pytest

pytestmark = pytest.mark.migrations

# The last commit before the layers (bad905b): summary models and stale marks in `indicators`
# (migration indicators.0003_summaries), Organisation.programmes in `portal`
# (portal.0003_organisation_programmes), settings in `portal.settings`. A database migrated there is
# what an installation of that version has.
OLD_COMMIT = "9e8427e"

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# New tables that a migration fills with reference data, not with anything moved.
# New tables a data migration fills: the donors' list, and the summaries' version token (one row,
# which every migration that changes what the working figures read moves on).
SEEDED_TABLES = {"indicators_donor", "summaries_summaryversion"}
# Tables the project owns; `summaries_` is listed so that a new table there would be noticed.
OWNED_PREFIXES = ("portal_", "indicators_", "reports_", "summaries_")
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}
SUMMARY_COLUMNS = (
    "province_id, period_id, indicator_id, dimension, category, value, numerator, denominator,"
    " report_count, organisation_count"
)
TIMEOUT = 300
# Catalogue tables that later data migrations add reference rows to (indicators.0005: the
# International Cooperation indicators and the national programmes; reports.0010: the years):
# every row they had stays as it was, and new rows may follow.
REFERENCE_DATA = {
    "indicators_indicator",
    "indicators_programme",
    "indicators_programme_indicators",
    "reports_reportingperiod",
}

# What the disaggregation declarations (indicators.0006, reports.0011; docs/disaggregation.md)
# change on purpose, and so are compared by their own rule rather than row for row: the flags the
# declaration replaced; the cells of the indicators whose declaration the review changed (figures
# of a category no longer valid move to "not recorded", a new breakdown starts as "not recorded");
# the history rows that record those moves; the stale marks that ask for their recomputation.
REMOVED_COLUMNS = {("indicators_indicator", name) for name in ("by_sex", "by_age", "by_disability")}
REVIEWED = ("CR-01", "AT-02", "PH-03", "PRO-01", "PRO-02", "PRO-03", "PRO-05")
RULES = {
    "reports_figure": "NOT (dimension <> 'total' AND indicator_id IN"
    " (SELECT id FROM indicators_indicator WHERE code IN ({reviewed})))",
    "reports_historicalfigure": "(history_change_reason IS NULL"
    " OR history_change_reason NOT LIKE 'disaggregation:%%')",
    # The two marks made before (OLD_MARK_STALE); those the migration adds are checked apart.
    "indicators_stalesummary": "id IN (SELECT id FROM indicators_stalesummary ORDER BY id LIMIT 2)",
}


# --- The old tree --------------------------------------------------------------------------------


def _git_and_tar() -> tuple[str, str]:
    git, tar = shutil.which("git"), shutil.which("tar")
    if not git or not tar:
        pytest.skip("git or tar is not installed: cannot extract the pre-layers tree")
    if not (REPO / ".git").exists():
        pytest.skip(f"{REPO} has no git history: cannot extract commit {OLD_COMMIT}")
    found = subprocess.run(  # noqa: S603 - absolute git, fixed arguments
        [git, "-C", str(REPO), "rev-parse", "--verify", "--quiet", f"{OLD_COMMIT}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode != 0:
        reason = found.stderr.strip() or "not in the history (shallow clone?)"
        pytest.skip(f"cannot find commit {OLD_COMMIT} in {REPO}: {reason}")
    return git, tar


def extract_old_tree(destination: Path) -> None:
    """`git archive OLD_COMMIT | tar -x -C destination`."""
    git, tar = _git_and_tar()
    destination.mkdir()
    archive = subprocess.Popen(  # noqa: S603 - absolute git, fixed arguments
        [git, "-C", str(REPO), "archive", OLD_COMMIT], stdout=subprocess.PIPE
    )
    unpacked = subprocess.run(  # noqa: S603 - absolute tar, our directory
        [tar, "-x", "-C", str(destination)], stdin=archive.stdout, check=False
    )
    archive.stdout.close()
    assert archive.wait() == 0 and unpacked.returncode == 0, "git archive | tar failed"
    assert (destination / "manage.py").exists()


# --- The database --------------------------------------------------------------------------------


class Database:
    """A fresh database: its DATABASE_URL / SQLITE_PATH for manage.py, and plain SQL for us."""

    def __init__(self, workdir: Path):
        url = os.environ.get("DATABASE_URL", "")
        self.postgres = urlsplit(url).scheme in POSTGRES_SCHEMES
        if self.postgres:
            config = environ.Env.db_url_config(url)
            self.server = {
                "host": config.get("HOST") or None,
                "port": config.get("PORT") or None,
                "user": config.get("USER") or None,
                "password": config.get("PASSWORD") or None,
            }
            base = re.sub(r"[^a-z0-9_]", "_", (config.get("NAME") or "napwps").lower())
            suffix = f"_fwd_{os.getpid()}"
            self.name = base[: 63 - len(suffix)] + suffix
            self.url = urlsplit(url)._replace(path=f"/{self.name}").geturl()
            self.sqlite_path = ""
        else:
            self.name = "db.sqlite3"
            self.url = ""
            self.sqlite_path = str(workdir / "db.sqlite3")

    def _maintenance(self):
        import psycopg

        return psycopg.connect(dbname="postgres", autocommit=True, **self.server)

    def create(self) -> None:
        if self.postgres:
            from psycopg import sql

            with self._maintenance() as connection:
                connection.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(self.name))
                )
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))

    def drop(self) -> None:
        if self.postgres:
            from psycopg import sql

            with self._maintenance() as connection:
                force = " WITH (FORCE)" if connection.info.server_version >= 130000 else ""
                connection.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {}" + force).format(sql.Identifier(self.name))
                )

    def query(self, statement: str, parameters: tuple = ()) -> list[tuple]:
        if self.postgres:
            import psycopg

            with psycopg.connect(dbname=self.name, **self.server) as connection:
                return [tuple(row) for row in connection.execute(statement, parameters)]
        connection = sqlite3.connect(self.sqlite_path)
        try:
            return connection.execute(statement.replace("%s", "?"), parameters).fetchall()
        finally:
            connection.close()

    def columns(self, table: str) -> list[str]:
        if self.postgres:
            rows = self.query(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = %s ORDER BY column_name",
                (table,),
            )
        else:
            rows = [(row[1],) for row in self.query(f'PRAGMA table_info("{table}")')]
        return sorted(name for (name,) in rows)

    def tables(self) -> list[str]:
        if self.postgres:
            rows = self.query(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            )
        else:
            rows = self.query("SELECT name FROM sqlite_master WHERE type = 'table'")
        return sorted(name for (name,) in rows if name.startswith(OWNED_PREFIXES))


def digest(rows) -> str:
    return hashlib.sha256(json.dumps(rows, default=str).encode()).hexdigest()


def snapshot(database: Database, columns: dict[str, list[str]] | None = None) -> dict:
    """What must survive: every owned table's rows (count and content digest, over the columns it
    had before: later migrations may add some), the summary values, the organisation/programme
    links and the stale marks."""
    tables = {}
    names = columns.keys() if columns is not None else database.tables()
    reviewed = ", ".join(f"'{code}'" for code in REVIEWED)
    for table in names:
        kept = columns[table] if columns is not None else database.columns(table)
        kept = [name for name in kept if (table, name) not in REMOVED_COLUMNS]
        selected = ", ".join(f'"{name}"' for name in kept)
        where = f" WHERE {RULES[table].format(reviewed=reviewed)}" if table in RULES else ""
        rows = sorted(
            repr(row)
            for row in database.query(f'SELECT {selected} FROM "{table}"{where}')  # noqa: S608 - names from the catalogue
        )
        tables[table] = {"rows": len(rows), "sha256": digest(rows), "columns": kept}
        if table in REFERENCE_DATA:
            tables[table]["content"] = rows
    # Sorted on the unique cell (province, period, indicator, dimension, category) in Python, so
    # that the order does not depend on the database's collation. The cells of the reviewed
    # indicators' breakdowns are compared by `breakdown_sums`.
    summary = sorted(
        database.query(
            f"SELECT {SUMMARY_COLUMNS} FROM indicators_provincialsummary"  # noqa: S608 - fixed columns
            f" WHERE {RULES['reports_figure'].format(reviewed=reviewed)}"
        ),
        key=lambda row: row[:5],
    )
    links = sorted(
        database.query("SELECT organisation_id, programme_id FROM portal_organisation_programmes")
    )
    stale = sorted(
        database.query("SELECT id, province_id, period_id, marked_at FROM indicators_stalesummary")
    )[:2]  # the two marks made before; the migration adds its own (checked apart)
    peace_house = database.query(
        "SELECT COUNT(*) FROM portal_organisation_programmes link"
        " JOIN indicators_programme programme ON programme.id = link.programme_id"
        " WHERE programme.code = %s",
        ("peace-house",),
    )[0][0]
    return {
        "tables": tables,
        "summary_rows": len(summary),
        "summary_sha256": digest(summary),
        "links": [list(link) for link in links],
        "stale": [[str(value) for value in row] for row in stale],
        "peace_house_organisations": peace_house,
    }


def breakdown_sums(database: Database, table: str, reports: bool) -> dict:
    """For the reviewed indicators: (report or province and period, indicator, dimension) -> the
    sums of value, numerator and denominator over the dimension's cells, and the categories."""
    place = "report_id" if reports else "province_id || '/' || period_id"
    reviewed = ", ".join(f"'{code}'" for code in REVIEWED)
    rows = database.query(
        f"SELECT {place}, i.code, t.dimension, t.category, t.value, t.numerator, t.denominator"  # noqa: S608 - fixed names
        f" FROM {table} t JOIN indicators_indicator i ON i.id = t.indicator_id"
        f" WHERE i.code IN ({reviewed})"
    )
    sums: dict = {}
    for where, code, dimension, category, *parts in rows:
        entry = sums.setdefault((str(where), code, dimension), [0, 0, 0, set()])
        for index, part in enumerate(parts):
            entry[index] += part or 0
        entry[3].add(category)
    return sums


def check_reviewed_cells(database: Database, before: dict, table: str, reports: bool) -> None:
    """Every breakdown of a reviewed indicator adds up to the same total as before (moved cells
    went to "not recorded"), a breakdown new to the indicator holds the whole total, and no cell
    of a category the indicator no longer declares remains."""
    after = breakdown_sums(database, table, reports)
    declared = dict(database.query("SELECT code, disaggregation FROM indicators_indicator"))
    declared = {code: json.loads(d) if isinstance(d, str) else d for code, d in declared.items()}
    for key, (value, numerator, denominator, _categories) in before.items():
        assert after[key][:3] == [value, numerator, denominator], key
    for (where, code, dimension), (*parts, categories) in after.items():
        if dimension == "total":
            continue
        assert categories <= set(declared[code][dimension]), (code, dimension, categories)
        total = after.get((where, code, "total"))
        if (where, code, dimension) not in before and total is not None:
            assert parts == total[:3], (where, code, dimension)


def applied_migrations(database: Database) -> set[tuple[str, str]]:
    return set(database.query("SELECT app, name FROM django_migrations"))


# --- manage.py ----------------------------------------------------------------------------------


def manage(tree: Path, settings_module: str, database: Database, workdir: Path, *arguments: str):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(
        DJANGO_SETTINGS_MODULE=settings_module,
        DJANGO_ENV="development",
        DATABASE_URL=database.url,
        SQLITE_PATH=database.sqlite_path,
        CELERY_TASK_ALWAYS_EAGER="true",
        REDIS_URL="",
        MEDIA_ROOT=str(workdir / "media"),
        STATIC_ROOT=str(workdir / "staticfiles"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    result = subprocess.run(  # noqa: S603 - our interpreter and manage.py, our arguments
        [PYTHON, str(tree / "manage.py"), *arguments],
        cwd=tree,
        env=environment,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, (
        f"manage.py {' '.join(arguments)} ({tree}) failed with {result.returncode}:\n"
        f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )
    return result


# Marks two (province, period) cells stale with the old code, so that the moved table has rows.
OLD_MARK_STALE = """
from indicators.models import StaleSummary, ProvincialSummary
cells = ProvincialSummary.objects.order_by("province", "period").values_list("province", "period")
for province, period in list(dict.fromkeys(cells))[:2]:
    StaleSummary.objects.get_or_create(province_id=province, period_id=period)
print("RESULT", StaleSummary.objects.count())
"""

# What the new code reads from the moved tables.
NEW_READ = """
import json
from indicators.models import Programme
from portal.models import Organisation
from reports.models import StaleSummary
from summaries.models import ProvincialSummary
links = Programme.organisations.through.objects.values_list("organisation_id", "programme_id")
print("RESULT", json.dumps({
    "summary_rows": ProvincialSummary.objects.count(),
    "stale": StaleSummary.objects.count(),
    "peace_house_organisations": Programme.objects.get(code="peace-house").organisations.count(),
    "links": sorted(list(link) for link in links),
    "links_from_organisations": sum(o.programmes.count() for o in Organisation.objects.all()),
}))
"""


def result_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("RESULT ")]
    assert lines, f"no RESULT line in:\n{output}"
    return lines[-1].removeprefix("RESULT ")


# --- The test ------------------------------------------------------------------------------------


def test_a_database_from_before_the_layers_migrates_forward_with_every_row():
    with tempfile.TemporaryDirectory(prefix="napwps-migfwd-") as directory:
        workdir = Path(directory)
        old = workdir / "old"
        extract_old_tree(old)
        database = Database(workdir)
        database.create()
        try:
            _migrate_forward(old, database, workdir)
        finally:
            database.drop()


def _migrate_forward(old: Path, database: Database, workdir: Path) -> None:
    # The database as the commit before the layers leaves it.
    manage(old, "portal.settings", database, workdir, "migrate", "--noinput")
    manage(
        old, "portal.settings", database, workdir, "seed_demo", "--reports", "150", "--seed", "7"
    )
    manage(old, "portal.settings", database, workdir, "aggregate", "--full")
    shell = manage(old, "portal.settings", database, workdir, "shell", "-c", OLD_MARK_STALE)
    assert result_line(shell.stdout) == "2"

    before = snapshot(database)
    figures_before = breakdown_sums(database, "reports_figure", reports=True)
    summary_before = breakdown_sums(database, "indicators_provincialsummary", reports=False)
    summary_count = database.query("SELECT COUNT(*) FROM indicators_provincialsummary")[0][0]
    migrations_before = applied_migrations(database)
    assert {("indicators", "0003_summaries"), ("portal", "0003_organisation_programmes")} <= (
        migrations_before
    )
    # The data worth protecting is there.
    assert before["summary_rows"] > 1000
    assert before["tables"]["reports_activityreport"]["rows"] == 150
    assert before["links"] and before["peace_house_organisations"] > 0
    assert len(before["stale"]) == 2
    print(
        f"\n{database.name} ({'PostgreSQL' if database.postgres else 'SQLite'}) before: "
        + ", ".join(f"{table}={value['rows']}" for table, value in before["tables"].items())
        + f"\nsummary sha256 {before['summary_sha256']} over {before['summary_rows']} rows"
    )

    # The code of this tree.
    manage(REPO, "config.settings", database, workdir, "migrate", "--noinput")
    manage(REPO, "config.settings", database, workdir, "migrate", "--check")
    plan = manage(REPO, "config.settings", database, workdir, "showmigrations", "--plan").stdout
    assert "[ ]" not in plan, plan
    manage(REPO, "config.settings", database, workdir, "makemigrations", "--check", "--dry-run")

    # The replacing migrations were recorded without running; what ran besides them are migrations
    # newer than the old tree, which add and never remove (but for the flags the disaggregation
    # declaration replaced, and the cells it moved to "not recorded": see REVIEWED).
    recorded = applied_migrations(database) - migrations_before
    replacing = {
        ("summaries", "0001_initial"),
        ("reports", "0006_stalesummary"),
        ("indicators", "0003_programme_organisations"),
    }
    assert replacing <= recorded
    assert not {
        (app, name)
        for app, name in recorded - replacing
        if (old / app / "migrations" / f"{name}.py").exists()
    }
    after = snapshot(
        database, {table: value["columns"] for table, value in before["tables"].items()}
    )
    for table, value in before["tables"].items():
        if table in REFERENCE_DATA:
            kept = after["tables"][table]["content"]
            assert set(value["content"]) <= set(kept), f"{table} lost or changed rows"
            continue
        assert after["tables"][table] == value, f"{table} changed"
    assert {**after, "tables": None} == {**before, "tables": None}
    check_reviewed_cells(database, figures_before, "reports_figure", reports=True)
    # The migration marked the provinces and periods whose approved figures it changed stale.
    assert len(database.query("SELECT id FROM indicators_stalesummary")) > len(before["stale"])
    # New tables start empty, except reference lists a data migration loads (the donors).
    for table in set(database.tables()) - before["tables"].keys() - SEEDED_TABLES:
        count = database.query(f'SELECT COUNT(*) FROM "{table}"')[0][0]  # noqa: S608 - catalogue
        assert count == 0, f"the new table {table} is not empty"

    # The new models read the moved tables.
    shell = manage(REPO, "config.settings", database, workdir, "shell", "-c", NEW_READ)
    read = json.loads(result_line(shell.stdout))
    assert read == {
        "summary_rows": summary_count,
        "stale": len(database.query("SELECT id FROM indicators_stalesummary")),
        "peace_house_organisations": before["peace_house_organisations"],
        "links": before["links"],
        "links_from_organisations": len(before["links"]),
    }

    # A full rebuild under the new code gives the very same summary values.
    manage(REPO, "config.settings", database, workdir, "aggregate", "--full")
    rebuilt = snapshot(database)
    assert rebuilt["summary_rows"] == before["summary_rows"]
    assert rebuilt["summary_sha256"] == before["summary_sha256"]
    check_reviewed_cells(database, summary_before, "indicators_provincialsummary", reports=False)
    assert rebuilt["links"] == before["links"]
