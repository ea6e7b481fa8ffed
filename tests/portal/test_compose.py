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
