"""The deployment files agree with the settings: services, hardening and documented variables."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def example_variables() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_the_compose_file_has_the_five_services_with_a_volume_per_store():
    services = compose()["services"]
    assert set(services) == {"web", "worker", "beat", "db", "redis"}
    assert "gunicorn config.wsgi" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A config worker")
    assert services["beat"]["command"].startswith("celery -A config beat")
    assert any(v.endswith(":/var/lib/postgresql/data") for v in services["db"]["volumes"])
    assert any(v.endswith(":/data") for v in services["redis"]["volumes"])
    assert set(compose()["volumes"]) >= {"postgres", "redis", "media"}


def test_redis_is_durable_password_protected_and_not_published():
    services = compose()["services"]
    command = services["redis"]["command"]
    assert "--appendonly yes" in command
    assert "--maxmemory-policy noeviction" in command
    assert "--requirepass" in command
    assert "ports" not in services["redis"]
    assert "ports" not in services["db"]


def test_the_portal_services_are_configured_by_environment():
    services = compose()["services"]
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["DJANGO_ENV"] == "production"
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert "@db:5432/" in environment["DATABASE_URL"]
        assert environment["REDIS_URL"].startswith("redis://:${REDIS_PASSWORD")
        assert "DJANGO_SECRET_KEY" in environment and "ALLOWED_HOSTS" in environment


def test_every_variable_the_settings_and_compose_read_is_documented():
    settings_text = (ROOT / "config" / "settings.py").read_text()
    read = set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]+)"', settings_text))
    read |= set(re.findall(r'_required\("([A-Z][A-Z0-9_]+)"\)', settings_text))
    compose_text = (ROOT / "docker-compose.yml").read_text()
    read |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)", compose_text))
    assert read, "no variables found: the patterns above no longer match the settings"
    assert read - example_variables() == set()


# --- The production smoke test starts what the compose file starts -----------------------------


def smoke_test():
    """scripts/prod_check.py, imported as a module (it runs nothing on import)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("prod_check", ROOT / "scripts" / "prod_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def portal_environment(service: dict) -> set[str]:
    return set(service["environment"])


def test_the_smoke_test_runs_the_compose_commands_of_web_worker_and_beat():
    services, check = compose()["services"], smoke_test()

    web = services["web"]["command"]
    assert web.startswith('sh -c "') and web.endswith('"')
    steps = [step.strip() for step in web[len('sh -c "') : -1].split("&&")]
    assert steps == [c.format(bind="0.0.0.0:8000") for c in check.WEB_COMMANDS]
    assert services["worker"]["command"] == check.WORKER_COMMAND
    assert services["beat"]["command"] == check.BEAT_COMMAND.format(
        schedule="/tmp/celerybeat-schedule"  # noqa: S108 - the compose file's path
    )
    redis = " ".join(services["redis"]["command"].split())
    assert redis == check.REDIS_COMMAND.format(
        password="${REDIS_PASSWORD:?set REDIS_PASSWORD in .env}"
    )
    healthcheck = services["web"]["healthcheck"]["test"]
    assert healthcheck[:3] == ["CMD", "python", "-c"]
    assert healthcheck[3] == check.HEALTHCHECK.format(port=8000)


def test_the_smoke_test_sets_the_compose_environment_and_says_why_it_adds_more():
    services, check = compose()["services"], smoke_test()

    for name in ("web", "worker", "beat"):
        assert portal_environment(services[name]) == check.COMPOSE_ENVIRONMENT, name
    documented = example_variables()
    assert check.COMPOSE_ENVIRONMENT | set(check.NATIVE_ENVIRONMENT) <= documented | {"DJANGO_ENV"}
    assert not set(check.NATIVE_ENVIRONMENT) & check.COMPOSE_ENVIRONMENT


def test_the_image_builds_what_the_smoke_test_builds_and_runs_the_same_gunicorn():
    dockerfile = (ROOT / "Dockerfile").read_text()
    check = smoke_test()
    for command in check.BUILD_COMMANDS:
        assert command in " ".join(dockerfile.split())
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, flags=re.MULTILINE)
    assert cmd is not None
    import json

    assert " ".join(json.loads(cmd.group(1))) == check.WEB_COMMANDS[1].format(bind="0.0.0.0:8000")


def test_make_prod_check_runs_the_smoke_test_and_ci_runs_it_after_the_tests():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^prod-check: .*\n\t.*scripts/prod_check\.py", makefile, re.MULTILINE)
    ci = (ROOT / ".ci" / "run").read_text()
    assert ci.index("make test") < ci.index("make prod-check")


def test_the_database_is_a_postgresql_the_images_pg_dump_can_back_up():
    """`manage.py backup` runs pg_dump in the web container: Debian bookworm's client is 15,
    and pg_dump refuses a newer server."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "bookworm" in dockerfile and "postgresql-client" in dockerfile
    assert compose()["services"]["db"]["image"] == "postgres:15"
