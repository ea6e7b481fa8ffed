"""Settings come from the environment: embedded defaults, real services, production rules."""

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'],"
    " 'eager': s.CELERY_TASK_ALWAYS_EAGER,"
    " 'broker': s.CELERY_BROKER_URL, 'cache': s.CACHES['default']['BACKEND'],"
    " 'email': s.EMAIL_BACKEND}))"
)
SERVICE_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_ENV",
    "DJANGO_SECRET_KEY",
    "ALLOWED_HOSTS",
)


def run_python(code: str, **variables: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    env.update(variables, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run(  # noqa: S603 - fixed interpreter and code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def probe(**variables: str) -> dict:
    result = run_python(PROBE, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_variables_give_sqlite_eager_celery_and_console_email():
    found = probe()

    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["eager"] is True
    assert found["email"] == "django.core.mail.backends.console.EmailBackend"


def test_database_and_redis_urls_give_postgresql_and_a_redis_broker():
    found = probe(
        DATABASE_URL="postgres://portal:secret@db.internal:5432/portal",
        REDIS_URL="redis://cache.internal:6379/0",
    )

    assert found["engine"] == "django.db.backends.postgresql"
    assert found["eager"] is False
    assert found["broker"] == "redis://cache.internal:6379/0"
    assert found["cache"] == "django.core.cache.backends.redis.RedisCache"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://root@localhost/portal"),
        ("DATABASE_URL", "postgres://localhost:5432"),
        ("REDIS_URL", "http://localhost:6379"),
        ("REDIS_URL", "redis://localhost:notaport/0"),
    ],
)
def test_a_malformed_url_stops_start_up_naming_the_variable(variable, value):
    result = run_python("import django; django.setup()", **{variable: value})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_requires_a_secret_key_and_allowed_hosts(missing):
    variables = {"DJANGO_ENV": "production", "DJANGO_SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "a.vn"}
    del variables[missing]

    result = run_python("import django; django.setup()", **variables)

    assert result.returncode != 0
    assert missing in result.stderr


def run_in_production(*command: str, **extra_env: str) -> subprocess.CompletedProcess:
    """`manage.py <command>` in a fresh process with DJANGO_ENV=production and no services."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in SERVICE_VARIABLES and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="k3y-" + "9f8e7d6c5b4a" * 5,
        ALLOWED_HOSTS="portal.example.vn",
        **extra_env,
    )
    return subprocess.run(  # noqa: S603 - our interpreter and manage.py, our arguments
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_production_settings_pass_the_deploy_checks():
    result = run_in_production("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr


def test_production_static_files_collect_cleanly(tmp_path):
    """What the Docker image build runs: every reference in the static files resolves. The
    offline service worker then caches and loads the hashed names, which WhiteNoise serves as
    immutable (one collection for both: it is slow)."""
    static_root = str(tmp_path / "static")
    result = run_in_production("collectstatic", "--noinput", STATIC_ROOT=static_root)
    worker = run_in_production(
        "shell",
        "-c",
        "from config.offline import _worker_script; print(_worker_script('1'))",
        STATIC_ROOT=static_root,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()
    assert worker.returncode == 0, worker.stderr
    config = json.loads(worker.stdout.split("var PORTAL_WORKER = ", 1)[1].split(";\n", 1)[0])
    imports = worker.stdout.split("importScripts(", 1)[1].split(");", 1)[0]
    hashed = re.compile(r"/static/\S+?\.[0-9a-f]{12}\.\w+")
    assert all(hashed.search(url) for url in config["precache"]), config["precache"]
    assert len(hashed.findall(imports)) == 2


def test_production_static_files_leave_out_the_test_only_axe_core(tmp_path):
    """axe-core (650 KB) is for the browser tests only: WhiteNoise serves what collectstatic
    wrote, and that holds the portal's own files but no copy of axe."""
    static_root = tmp_path / "static"
    result = run_in_production("collectstatic", "--noinput", STATIC_ROOT=str(static_root))

    assert result.returncode == 0, result.stdout + result.stderr
    collected = [path.relative_to(static_root).as_posix() for path in static_root.rglob("*")]
    assert "vendor/bootstrap/bootstrap.min.css" in collected
    assert [path for path in collected if "axe" in path.lower()] == []


def test_a_per_address_login_limit_below_the_per_account_one_stops_start_up():
    result = run_python(
        "import django; django.setup()", AXES_FAILURE_LIMIT="5", LOGIN_ADDRESS_FAILURE_LIMIT="3"
    )

    assert result.returncode != 0
    assert "LOGIN_ADDRESS_FAILURE_LIMIT" in result.stderr


LEVEL_PROBE = "import logging; print(logging.getLogger('portal.audit').getEffectiveLevel())"


def run_manage(*args: str, **variables: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    env.update(variables, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run(  # noqa: S603 - fixed interpreter and arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_commands_keep_the_audit_log_lines_quiet_unless_asked():
    quiet = run_manage("shell", "-c", LEVEL_PROBE)
    asked = run_manage("shell", "-c", LEVEL_PROBE, AUDIT_LOG_LEVEL="INFO")

    assert quiet.stdout.split()[-1] == str(logging.WARNING), quiet.stderr
    assert asked.stdout.split()[-1] == str(logging.INFO), asked.stderr


def test_the_web_process_logs_audit_lines():
    found = run_python(f"import django; django.setup(); {LEVEL_PROBE}")

    assert found.stdout.strip() == str(logging.INFO), found.stderr


def test_e_mail_links_follow_the_port_the_portal_is_served_on():
    probe_url = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.PORTAL_BASE_URL)"
    )

    assert run_python(probe_url, PORT="8123").stdout.strip() == "http://127.0.0.1:8123"
    assert (
        run_python(
            probe_url, PORT="8123", PORTAL_BASE_URL="https://napwps.example.vn/"
        ).stdout.strip()
        == "https://napwps.example.vn"
    )


def test_make_run_serves_and_links_on_the_same_port():
    result = subprocess.run(
        ["make", "-n", "-o", ".venv/.installed", "run", "PORT=8123"],  # noqa: S607 - make on PATH
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )

    serve = next(line for line in result.stdout.splitlines() if "runserver" in line)
    assert "127.0.0.1:8123" in serve
    assert "PORTAL_BASE_URL=${PORTAL_BASE_URL:-http://127.0.0.1:8123}" in serve
