#!/usr/bin/env python3
"""`make prod-check`: the production stack of docker-compose.yml, started natively on loopback,
used over HTTP as people use it, then broken on purpose.

What it starts, each with `DJANGO_ENV=production` and the environment docker-compose.yml gives
the portal's containers (a fresh secret key, passwords, `ALLOWED_HOSTS=127.0.0.1,localhost`):

- a private PostgreSQL cluster (`initdb` into a temporary directory, its own port, password
  authentication) holding a fresh database `napwps_prod_<pid>`;
- a private Redis started as the compose file starts it (append-only file on, no eviction,
  password), with its own port and directory;
- what the image build does (`collectstatic`: WhiteNoise's manifest with hashed names), then the
  compose commands of `web` (`migrate`, then gunicorn with three workers), `worker` and `beat`.

It speaks to gunicorn as the TLS proxy in front of it would (`X-Forwarded-Proto: https`, one
trusted proxy appending to `X-Forwarded-For`), with HTTPS redirects, HSTS and Secure cookies on.

Then: three users made with `manage.py shell`; log-ins with two-factor set-up and verification
(TOTP codes computed from the key the set-up page shows); reports filed, an evidence file
attached, submitted, approved; the working figure seen to move; periods locked, a release
published and downloaded as CSV and XLSX; security headers, cookies, static files, error pages,
/healthz (also through the compose health check), /metrics, JSON logs. Then faults:

(a) the worker killed (`kill -9`) in the middle of a recompute: first one pool process (the task
    goes back to the queue: acks_late, reject_on_worker_lost), then the whole worker (the stale
    mark stays in the database and the reconciler catches up after a restart). The recompute is
    held at its first statement by the rebuild's advisory lock, taken by this script, so the kill
    lands mid-transaction every time;
(b) Redis killed during an approval: the approval is kept, /healthz names the broker, Redis comes
    back with its data (append-only file), the reconciler aggregates the approval;
(c) PostgreSQL stopped and started under load: answers are 200/302 or a 5xx that is no debug
    page, every page recovers, the worker works again, the errors reached Sentry (a local
    stand-in) without personal data;

and a backup (`manage.py backup`) restored into a new database (`manage.py restore`).

Prints one line per check and `prod-check: N passed, M failed`; exits non-zero on any failure.
Every process, port and temporary directory it made is cleaned up, whatever happens.

    python scripts/prod_check.py [--keep]   # --keep: leave the temporary directory for a look
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import gzip
import http.cookiejar
import http.server
import io
import json
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import psycopg
import requests
from django_otp.oath import totp

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

# --- What docker-compose.yml starts (tests/portal/test_compose.py keeps these in step) ----------

# `web`: `sh -c "<one> && <two>"`; {bind} is 0.0.0.0:8000 in the compose file.
WEB_COMMANDS = [
    "python manage.py migrate --noinput",
    "gunicorn config.wsgi:application -c python:config.gunicorn --bind {bind} --workers 3"
    " --access-logfile -",
]
WORKER_COMMAND = "celery -A config worker --loglevel=INFO --concurrency=2 --prefetch-multiplier=1"
# {schedule} is /tmp/celerybeat-schedule in the compose file.
BEAT_COMMAND = "celery -A config beat --loglevel=INFO --schedule={schedule}"
REDIS_COMMAND = (
    "redis-server --appendonly yes --maxmemory-policy noeviction --requirepass {password}"
)
# The web service's health check; {port} is 8000 in the compose file.
HEALTHCHECK = (
    "import urllib.request,sys; sys.exit(urllib.request.urlopen("
    "'http://127.0.0.1:{port}/healthz').status != 200)"
)
# The Dockerfile's build step (the compose file builds the image).
BUILD_COMMANDS = ["python manage.py collectstatic --noinput"]
# The variables the compose file sets for web, worker and beat (the rest come from `.env`).
COMPOSE_ENVIRONMENT = {
    "DJANGO_ENV",
    "DJANGO_SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "MEDIA_ROOT",
    "LOG_FORMAT",
    "METRICS_TOKEN",
    "SENTRY_DSN",
    "SENTRY_ENVIRONMENT",
}
# Set here only, with the reason: what `.env` or the image provides in a compose deployment.
NATIVE_ENVIRONMENT = {
    "STATIC_ROOT": "the image collects static files into /app/staticfiles at build time",
    "TRUSTED_PROXY_COUNT": "behind one TLS proxy, as .env says in a real deployment",
}

PROGRAMME = "trusted-address"
HASHED_STATIC = re.compile(r"/static/\S+\.[0-9a-f]{12}\.\w+$")
DEBUG_MARKERS = (
    "Traceback",
    "DEBUG = True",
    "Django tried these URL patterns",
    "Exception Value:",
    "Request Method:",
    "Reason given for failure",
    "technical_500",
)


def _one_page_pdf() -> bytes:
    """A real one-page PDF: the portal refuses files whose structure does not parse."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=72, height=72)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF = _one_page_pdf()
NARRATIVE = "Tập huấn cho 12 hộ gia đình ở thôn Bình An (prod-check)"


class Abort(Exception):
    """A check that later steps depend on failed: stop and clean up."""


# --- Checks ------------------------------------------------------------------------------------


class Checks:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0
        self.started = time.monotonic()

    def phase(self, title: str) -> None:
        print(f"\n== {title}  [{time.monotonic() - self.started:5.1f} s]", flush=True)

    def check(self, name: str, ok: Any, detail: Any = "") -> bool:
        if ok:
            self.passed += 1
            print(f"  ok    {name}  [{time.monotonic() - self.started:.1f} s]", flush=True)
        else:
            self.failed += 1
            print(
                f"  FAIL  {name}" + (f": {str(detail)[:600]}" if detail != "" else ""), flush=True
            )
        return bool(ok)

    def require(self, name: str, ok: Any, detail: Any = "") -> None:
        if not self.check(name, ok, detail):
            raise Abort(name)


def wait_for(predicate: Callable[[], Any], timeout: float, interval: float = 0.25) -> Any:
    """The predicate's first truthy value within `timeout` seconds, else None."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except Exception:  # not ready yet: try again until the deadline
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            return None
        time.sleep(interval)


def free_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError("no free port")


# --- Processes ---------------------------------------------------------------------------------


class Stack:
    """The processes and the temporary directory; `close()` ends and removes all of them."""

    def __init__(self, keep: bool) -> None:
        self.keep = keep
        self.tmp = Path(tempfile.mkdtemp(prefix="napwps-prod-check-"))
        self.tmp.chmod(0o711)  # the postgres user must reach its data directory inside
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}
        self.log_offsets: dict[str, int] = {}  # where the latest start of each began its log
        self.pg_bin = pg_binaries()
        self.pg_data = self.tmp / "postgres"
        self.pg_running = False
        self.web_port = free_port(int(os.environ.get("PROD_CHECK_WEB_PORT", 8731)))
        self.redis_port = free_port(int(os.environ.get("PROD_CHECK_REDIS_PORT", 6391)))
        self.pg_port = free_port(int(os.environ.get("PROD_CHECK_PG_PORT", 5491)))
        self.db_name = f"napwps_prod_{os.getpid()}"
        self.db_password = secrets.token_urlsafe(24)
        self.redis_password = secrets.token_urlsafe(24)
        self.metrics_token = secrets.token_urlsafe(32)
        self.user_password = secrets.token_urlsafe(18) + "-Prod1"
        self.sentry = FakeSentry()
        (self.tmp / "media").mkdir()
        (self.tmp / "redis").mkdir()
        self.env = self._environment()

    def _environment(self) -> dict[str, str]:
        keep = {"PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "OPENBLAS_CORETYPE"}
        env = {k: v for k, v in os.environ.items() if k in keep}
        env.update(
            DJANGO_ENV="production",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            DATABASE_URL=self.database_url(self.db_name),
            REDIS_URL=f"redis://:{self.redis_password}@127.0.0.1:{self.redis_port}/0",
            MEDIA_ROOT=str(self.tmp / "media"),
            LOG_FORMAT="json",
            METRICS_TOKEN=self.metrics_token,
            SENTRY_DSN=f"http://prodcheck@127.0.0.1:{self.sentry.port}/1",
            SENTRY_ENVIRONMENT="prod-check",
            STATIC_ROOT=str(self.tmp / "static"),
            TRUSTED_PROXY_COUNT="1",
            PYTHONUNBUFFERED="1",
        )
        env["PATH"] = f"{BIN}:{env.get('PATH', '/usr/bin:/bin')}"
        assert set(env) >= COMPOSE_ENVIRONMENT | set(NATIVE_ENVIRONMENT)
        return env

    def database_url(self, name: str) -> str:
        return f"postgres://napwps:{self.db_password}@127.0.0.1:{self.pg_port}/{name}"

    def conninfo(self, name: str | None = None) -> dict[str, Any]:
        return {
            "host": "127.0.0.1",
            "port": self.pg_port,
            "user": "napwps",
            "password": self.db_password,
            "dbname": name or self.db_name,
            "connect_timeout": 5,
        }

    # Commands -------------------------------------------------------------------------------

    @staticmethod
    def argv(command: str) -> list[str]:
        """A compose command as arguments, its program taken from this virtualenv."""
        args = shlex.split(command)
        if args[0] == "python":
            args[0] = sys.executable
        elif (BIN / args[0]).exists():
            args[0] = str(BIN / args[0])
        return args

    def run(self, command: str | list[str], timeout: float = 300, **env: str):
        args = self.argv(command) if isinstance(command, str) else command
        return subprocess.run(  # noqa: S603 - our own commands
            args,
            cwd=ROOT,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def manage(self, *args: str, timeout: float = 300, **env: str):
        return self.run([sys.executable, "manage.py", *args], timeout=timeout, **env)

    def start(self, name: str, args: list[str], env: dict[str, str] | None = None) -> None:
        log = self.tmp / f"{name}.log"
        self.logs[name] = log
        self.log_offsets[name] = log.stat().st_size if log.exists() else 0
        handle = log.open("ab")
        self.processes[name] = subprocess.Popen(  # noqa: S603 - our own commands
            args,
            cwd=ROOT,
            env=env or self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed as a whole
        )
        handle.close()

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    def alive(self, name: str) -> bool:
        process = self.processes.get(name)
        return process is not None and process.poll() is None

    def log_since_start(self, name: str) -> str:
        """What the process wrote since it was last started."""
        path = self.logs.get(name)
        if not path or not path.exists():
            return ""
        with path.open("rb") as handle:
            handle.seek(self.log_offsets.get(name, 0))
            return handle.read().decode(errors="replace")

    def log_tail(self, name: str, lines: int = 25) -> str:
        path = self.logs.get(name)
        if not path or not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    # PostgreSQL ------------------------------------------------------------------------------

    def as_postgres(self, args: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args

    def pg(self, tool: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 - PostgreSQL's own tools
            self.as_postgres([str(self.pg_bin / tool), *args]),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def init_postgres(self) -> subprocess.CompletedProcess:
        self.pg_data.mkdir(mode=0o700)
        password_file = self.tmp / "pg-password"
        password_file.write_text(self.db_password + "\n")
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            for path in (self.pg_data, password_file):
                os.chown(path, account.pw_uid, account.pw_gid)
        made = self.pg(
            "initdb",
            "-D",
            str(self.pg_data),
            "-U",
            "napwps",
            f"--pwfile={password_file}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--no-locale",
        )
        password_file.unlink()
        return made

    def start_postgres(self) -> subprocess.CompletedProcess:
        options = (
            f"-p {self.pg_port} -c listen_addresses=127.0.0.1"
            f" -c unix_socket_directories={self.pg_data}"
        )
        started = self.pg(
            "pg_ctl",
            "-D",
            str(self.pg_data),
            "-l",
            str(self.pg_data / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        self.pg_running = started.returncode == 0
        return started

    def stop_postgres(self, mode: str = "fast") -> subprocess.CompletedProcess:
        stopped = self.pg("pg_ctl", "-D", str(self.pg_data), "-m", mode, "-w", "stop")
        self.pg_running = False
        return stopped

    def sql(self, query: str, params: tuple = (), dbname: str | None = None) -> list[tuple]:
        with psycopg.connect(**self.conninfo(dbname), autocommit=True) as db:
            cursor = db.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    # Redis -----------------------------------------------------------------------------------

    def start_redis(self) -> None:
        command = REDIS_COMMAND.format(password=self.redis_password)
        args = [
            *shlex.split(command),
            "--port",
            str(self.redis_port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.tmp / "redis"),
        ]
        self.start("redis", args)

    def redis(self, *args: str) -> str:
        cli = shutil.which("redis-cli") or "redis-cli"
        command = [cli, "-p", str(self.redis_port), "--no-auth-warning"]
        command += ["-a", self.redis_password, *args]
        out = subprocess.run(  # noqa: S603 - redis-cli with our arguments
            command, capture_output=True, text=True, timeout=10, check=False
        )
        return out.stdout.strip()

    # The portal ------------------------------------------------------------------------------

    def start_web(self) -> None:
        gunicorn = WEB_COMMANDS[1].format(bind=f"127.0.0.1:{self.web_port}")
        self.start("web", self.argv(gunicorn))

    def start_worker(self) -> None:
        self.start("worker", self.argv(WORKER_COMMAND))

    def start_beat(self) -> None:
        self.start("beat", self.argv(BEAT_COMMAND.format(schedule=self.tmp / "celerybeat")))

    def worker_children(self) -> list[int]:
        process = self.processes.get("worker")
        if process is None:
            return []
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    # Cleaning up -----------------------------------------------------------------------------

    def close(self) -> None:
        if self.keep:
            events = json.dumps(self.sentry.events, indent=1, default=str)
            (self.tmp / "sentry-events.json").write_text(events)
        for name in list(self.processes):
            self.stop(name)
        if self.pg_running or (self.pg_data / "postmaster.pid").exists():
            self.stop_postgres("immediate")
        self.sentry.close()
        if self.keep:
            print(f"kept {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def pg_binaries() -> Path:
    configured = os.environ.get("PG_BINDIR")
    if configured:
        return Path(configured)
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise SystemExit("prod-check: PostgreSQL's server binaries (initdb, pg_ctl) are not installed")


# --- A stand-in for Sentry ---------------------------------------------------------------------


class FakeSentry:
    """Accepts Sentry envelopes on loopback and keeps their events."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self.raw: list[bytes] = []
        events, raw = self.events, self.raw

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                encoding = self.headers.get("Content-Encoding", "")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                elif encoding == "br":  # sentry-sdk compresses with brotli whenever it is installed
                    import brotli

                    body = brotli.decompress(body)
                raw.append(body)
                events.extend(envelope_events(body))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def envelope_events(body: bytes) -> Iterator[dict]:
    """The events of a Sentry envelope: a header line, then (item header, payload) pairs."""
    stream = io.BytesIO(body)
    stream.readline()
    while True:
        header_line = stream.readline()
        if not header_line.strip():
            return
        header = json.loads(header_line)
        length = header.get("length")
        payload = stream.read(length) if length is not None else stream.readline()
        if length is not None:
            stream.readline()
        if header.get("type") == "event":
            yield json.loads(payload)


# --- HTML and HTTP -----------------------------------------------------------------------------


class Page(HTMLParser):
    """Forms (inputs, selects, textareas) and the static files a page refers to."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self.assets: list[str] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "link" and a.get("href", "").startswith("/static/"):
            self.assets.append(a["href"])
        if tag == "script" and a.get("src", "").startswith("/static/"):
            self.assets.append(a["src"])
        if tag == "form":
            self._form = {"attrs": a, "inputs": [], "selects": {}, "textareas": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            self._form["inputs"].append(a)
        elif tag == "select":
            self._select = a.get("name", "")
            self._form["selects"][self._select] = []
        elif tag == "option" and self._select is not None:
            self._form["selects"][self._select].append(a)
        elif tag == "textarea":
            self._textarea = a.get("name", "")
            self._form["textareas"][self._textarea] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None:
            self._form["textareas"][self._textarea] += data

    def form(self, match: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        for form in self.forms:
            if match(form):
                return form
        raise AssertionError("no such form on the page")


def with_input(name: str) -> Callable[[dict[str, Any]], bool]:
    return lambda form: (
        any(i.get("name") == name for i in form["inputs"]) or name in form["selects"]
    )


def form_values(form: dict[str, Any]) -> dict[str, str]:
    """What a browser would send without the user touching anything."""
    values: dict[str, str] = {}
    for field in form["inputs"]:
        name, kind = field.get("name"), field.get("type", "text")
        if not name or kind in {"submit", "button", "file"}:
            continue
        if kind in {"checkbox", "radio"} and "checked" not in field:
            continue
        values[name] = field.get("value", "on" if kind == "checkbox" else "")
    for name, options in form["selects"].items():
        chosen = [o for o in options if "selected" in o] or options[:1]
        if chosen:
            values[name] = chosen[0].get("value", "")
    values.update(form["textareas"])
    return values


# The proxy speaks HTTPS to the browser: Secure cookies go back, as a browser sends them.
SECURE_COOKIES_TOO = http.cookiejar.DefaultCookiePolicy(secure_protocols=("https", "wss", "http"))


class ProxiedSession(requests.Session):
    """Sends the Secure cookies too: this side of the TLS proxy is plain HTTP."""

    def __init__(self) -> None:
        super().__init__()
        self.cookies.set_policy(SECURE_COOKIES_TOO)

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        prepared = super().prepare_request(request)
        jar = requests.cookies.RequestsCookieJar(policy=SECURE_COOKIES_TOO)
        jar.update(self.cookies)
        prepared.headers.pop("Cookie", None)
        prepared.prepare_cookies(jar)
        return prepared


class Browser:
    """One person's HTTP session, through the TLS proxy that gunicorn stands behind."""

    def __init__(self, base: str, name: str) -> None:
        self.base = base
        self.name = name
        self.origin = "https://" + base.split("://", 1)[1]
        self.session = ProxiedSession()
        self.session.headers.update(
            {
                "X-Forwarded-Proto": "https",
                "X-Forwarded-For": "127.0.0.2",
                "User-Agent": f"prod-check ({name})",
                "Accept-Language": "vi",
            }
        )
        self.step = 0  # the last TOTP time step used, never used twice
        self.key = b""
        self.second_factor = ""  # what the last log-in asked: "setup", "verify" or nothing

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return self.session.get(self.base + path, **kwargs)

    def post(self, path: str, data: dict[str, str], **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 120)
        headers = {"Origin": self.origin, "Referer": self.origin + path}
        return self.session.post(self.base + path, data=data, headers=headers, **kwargs)

    def submit(
        self,
        page: str,
        match: Callable[[dict[str, Any]], bool],
        changes: dict[str, str],
        **kwargs: Any,
    ) -> requests.Response:
        response = self.get(page)
        response.raise_for_status()
        form = Page(response.text).form(match)
        action = form["attrs"].get("action") or response.url.split(self.base, 1)[-1]
        return self.post(action, {**form_values(form), **changes}, **kwargs)

    def path(self, response: requests.Response) -> str:
        return response.url.split(self.base, 1)[-1]

    def log_in(self, email: str, password: str) -> requests.Response:
        """Password, then two-factor set-up (first time) or verification, as the pages ask."""
        response = self.submit(
            "/accounts/login/", with_input("password"), {"username": email, "password": password}
        )
        self.second_factor = ""
        if "/accounts/two-factor/" not in response.url:
            return response
        self.second_factor = "verify" if "/verify/" in response.url else "setup"
        page = response.text
        secret = re.search(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<', page)
        if secret:
            self.key = base32_key(secret.group(1))
        form = Page(page).form(with_input("token"))
        response = self.post(self.path(response), {**form_values(form), "token": self.code()})
        if "/backup-codes/" in response.url:  # first set-up: the codes are shown once
            response = self.get("/")
        return response

    def code(self) -> str:
        """A TOTP code for a time step not used before (the device refuses a code twice)."""
        now = int(time.time()) // 30
        step = max(now, self.step + 1)
        self.step = step
        return f"{totp(self.key, drift=step - now):06d}"


def base32_key(secret: str) -> bytes:
    text = secret.replace(" ", "")
    return base64.b32decode(text + "=" * (-len(text) % 8))


def no_debug_page(response: requests.Response) -> bool:
    return not any(marker in response.text for marker in DEBUG_MARKERS)


def number_pattern(value: int) -> re.Pattern[str]:
    """A whole number as the pages print it in Vietnamese or English (1.234 / 1,234 / 1234)."""
    text = f"{value:,}"
    return re.compile(r"(?<![\d.,])" + re.escape(text).replace(",", r"[.,\u00a0 ]?") + r"(?![\d])")


# --- The smoke test ----------------------------------------------------------------------------

SEED = r"""
import json, os
from django.db import transaction
from indicators.models import Programme
from portal.models import AuditEvent, Membership, Organisation, Province, User
from reports.models import ActivityReport, Figure, ReportingPeriod, StaleSummary
from summaries.cube import window
from summaries.models import AggregationRun, ProvincialSummary

password = os.environ["PROD_CHECK_PASSWORD"]
with transaction.atomic():
    hanoi = Province.objects.get(code="01")
    central = Organisation.objects.create(
        name="Prod-check central office", kind=Organisation.Kind.VWU_CENTRAL, province=None)
    provincial = Organisation.objects.create(
        name="Prod-check Hà Nội chapter", kind=Organisation.Kind.VWU_PROVINCIAL, province=hanoi)
    chapters = [
        Organisation.objects.create(
            name=f"Prod-check commune chapter {n}", kind=Organisation.Kind.VWU_COMMUNE,
            province=hanoi)
        for n in (1, 2, 3)
    ]
    admin = User.objects.create_user(
        email="admin@prod-check.test", password=password, full_name="Prod-check admin",
        is_staff=True)
    Membership.objects.create(user=admin, organisation=central, role=Membership.Role.ADMIN)
    reviewer = User.objects.create_user(
        email="reviewer@prod-check.test", password=password, full_name="Prod-check reviewer")
    scope = Membership.objects.create(
        user=reviewer, organisation=provincial, role=Membership.Role.REVIEWER)
    scope.scope_provinces.set([hanoi])
    reporter = User.objects.create_user(
        email="reporter@prod-check.test", password=password, full_name="Prod-check reporter")
    for chapter in chapters:
        Membership.objects.create(
            user=reporter, organisation=chapter, role=Membership.Role.REPORTER)
programme = Programme.objects.get(code="__PROGRAMME__")
programme.organisations.add(*chapters)  # a new report offers the programmes its chapter runs
periods = {code: ReportingPeriod.objects.by_code(code).pk for code in ("2026-Q3", "2026-Q4")}
print(json.dumps({
    "users": {"admin": admin.email, "reviewer": reviewer.email, "reporter": reporter.email},
    "province": hanoi.pk,
    "programme": programme.pk,
    "organisations": [c.pk for c in chapters],
    "periods": periods,
    "lock": [p.pk for p in window(2026, 3)],
    "tables": {
        "report": ActivityReport._meta.db_table,
        "figure": Figure._meta.db_table,
        "summary": ProvincialSummary._meta.db_table,
        "stale": StaleSummary._meta.db_table,
        "run": AggregationRun._meta.db_table,
        "audit": AuditEvent._meta.db_table,
    },
}))
""".replace("__PROGRAMME__", PROGRAMME)


class ProdCheck:
    def __init__(self, stack: Stack, checks: Checks) -> None:
        self.stack = stack
        self.checks = checks
        self.base = f"http://127.0.0.1:{stack.web_port}"
        self.seed: dict[str, Any] = {}
        self.reports: dict[str, int] = {}

    # Start-up --------------------------------------------------------------------------------

    def start(self) -> None:
        stack, c = self.stack, self.checks
        c.phase(
            f"Starting PostgreSQL (:{stack.pg_port}), Redis (:{stack.redis_port}) and the portal"
            f" (:{stack.web_port}) in {stack.tmp}"
        )
        made = stack.init_postgres()
        c.require("initdb: a private PostgreSQL cluster", made.returncode == 0, made.stderr)
        started = stack.start_postgres()
        c.require("PostgreSQL started", started.returncode == 0, started.stderr + started.stdout)
        stack.sql(f'CREATE DATABASE "{stack.db_name}"', dbname="postgres")
        c.check(f"a fresh database {stack.db_name}", stack.sql("SELECT 1") == [(1,)])
        stack.start_redis()
        c.require(
            "Redis answers, with a password",
            wait_for(lambda: stack.redis("ping") == "PONG", 20),
            stack.log_tail("redis"),
        )
        c.check(
            "Redis: append-only file on, no eviction",
            stack.redis("config", "get", "appendonly").split() == ["appendonly", "yes"]
            and stack.redis("config", "get", "maxmemory-policy").split()[-1] == "noeviction",
        )
        for command in BUILD_COMMANDS:
            built = stack.run(command)
            c.require(f"build: {command}", built.returncode == 0, built.stderr[-2000:])
        manifest = stack.tmp / "static" / "staticfiles.json"
        c.check("collectstatic wrote WhiteNoise's manifest", manifest.exists())
        test_only = [p.name for p in (stack.tmp / "static").rglob("*") if "axe" in p.name.lower()]
        c.check("the test-only axe-core is not among the collected static files", not test_only)
        migrated = stack.run(WEB_COMMANDS[0])
        c.require(f"web: {WEB_COMMANDS[0]}", migrated.returncode == 0, migrated.stderr[-2000:])
        seeded = stack.manage("shell", "-c", SEED, PROD_CHECK_PASSWORD=stack.user_password)
        c.require("users made with manage.py shell", seeded.returncode == 0, seeded.stderr[-2000:])
        self.seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        stack.start_web()
        stack.start_worker()
        stack.start_beat()
        c.require(
            "gunicorn answers /healthz: database and broker ok",
            wait_for(lambda: self.healthz() == (200, "ok", "ok"), 60),
            stack.log_tail("web"),
        )
        c.require(
            "the Celery worker is up with two pool processes",
            wait_for(lambda: len(stack.worker_children()) == 2 and self.worker_ready(), 60),
            stack.log_tail("worker"),
        )
        c.check(
            "Celery beat is running",
            wait_for(
                lambda: stack.alive("beat") and "beat: Starting" in stack.log_since_start("beat"),
                30,
            ),
            stack.log_tail("beat"),
        )
        healthcheck = stack.run(
            [sys.executable, "-c", HEALTHCHECK.format(port=stack.web_port)], timeout=30
        )
        c.check(
            "the compose health check passes (plain HTTP to /healthz is not redirected)",
            healthcheck.returncode == 0,
            healthcheck.stderr[-500:],
        )

    def healthz(self) -> tuple[int, str, str]:
        response = requests.get(self.base + "/healthz", timeout=10)
        body = response.json()
        return response.status_code, body.get("database"), body.get("broker")

    def worker_ready(self) -> bool:
        return " ready." in self.stack.log_since_start("worker")

    # People ----------------------------------------------------------------------------------

    def people(self) -> None:
        c, users, password = self.checks, self.seed["users"], self.stack.user_password
        c.phase("Logging in, with two-factor authentication for the admin and the reviewer")
        self.admin = Browser(self.base, "admin")
        login_page = self.admin.get("/accounts/login/")
        c.check("the login page answers 200 over 'HTTPS'", login_page.status_code == 200)
        self.login_page = login_page
        csrf = cookie_attributes(login_page, "csrftoken")
        c.check("CSRF cookie: Secure, HttpOnly", csrf and {"secure", "httponly"} <= csrf, csrf)
        response = self.admin.submit(
            "/accounts/login/",
            with_input("password"),
            {"username": users["admin"], "password": password},
            allow_redirects=False,
        )
        c.require("the admin's password is accepted", response.status_code == 302, response.text)
        session = cookie_attributes(response, "sessionid")
        c.check(
            "session cookie: Secure, HttpOnly, SameSite=Lax",
            session and {"secure", "httponly", "samesite=lax"} <= session,
            session,
        )
        setup = self.admin.get(response.headers["Location"])
        c.check(
            "an admin is sent to set up two-factor authentication first",
            "/accounts/two-factor/" in setup.url,
            setup.url,
        )
        secret = re.search(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<', setup.text)
        c.require("the set-up page shows the key", secret)
        self.admin.key = base32_key(secret.group(1))
        form = Page(setup.text).form(with_input("token"))
        done = self.admin.post(
            self.admin.path(setup), {**form_values(form), "token": self.admin.code()}
        )
        c.require(
            "a TOTP code from the key confirms the device; backup codes are shown",
            "/backup-codes/" in done.url and done.text.count("<li") >= 10,
            done.url,
        )
        home = self.admin.get("/")
        c.check("the admin reaches the home page", self.admin.path(home) == "/", home.url)
        ip = self.stack.sql(
            f"SELECT ip_address FROM {self.seed['tables']['audit']}"  # noqa: S608
            " WHERE username = %s AND action = 'login' ORDER BY id DESC LIMIT 1",
            (users["admin"],),
        )
        c.check(
            "the audit log records the address the trusted proxy saw",
            ip and str(ip[0][0]) == "127.0.0.2",
            ip,
        )
        # Out and in again: this time the verification page, with the next code.
        self.admin.submit("/", lambda f: "logout" in f["attrs"].get("action", ""), {})
        again = self.admin.log_in(users["admin"], password)
        c.check(
            "logged out and in again: password, then a TOTP code on the verification page",
            self.admin.path(again) == "/" and self.admin.second_factor == "verify",
            (again.url, self.admin.second_factor),
        )

        self.reviewer = Browser(self.base, "reviewer")
        reached = self.reviewer.log_in(users["reviewer"], password)
        c.require("the reviewer logs in with two-factor set-up", self.reviewer.path(reached) == "/")
        self.reporter = Browser(self.base, "reporter")
        reached = self.reporter.log_in(users["reporter"], password)
        c.require("the reporter logs in (no second factor)", self.reporter.path(reached) == "/")

    # Reports ---------------------------------------------------------------------------------

    def file_report(
        self, key: str, organisation: int, period: str, total: int, attach: bool = False
    ) -> int:
        """New report, (an evidence file,) figures, submit: the report's id."""
        browser = self.reporter
        response = browser.submit(
            "/reports/new/",
            with_input("programme"),
            {
                "organisation": str(organisation),
                "programme": str(self.seed["programme"]),
                "period": str(self.seed["periods"][period]),
                "province": "",
            },
        )
        match = re.search(r"/reports/(\d+)/edit/$", response.url)
        self.checks.require(f"report {key}: a new draft for {period}", match, response.url)
        report = int(match.group(1))
        if attach:
            # The file is attached from the edit form itself (its "Attach" button): what is
            # typed is saved as a draft first.
            upload = Page(response.text).form(with_input("file"))
            action = upload["attrs"].get("action") or browser.path(response)
            response = browser.session.post(
                f"{self.base}{action}",
                data={**form_values(upload), "attach": ""},
                files={"file": ("bien-ban.pdf", PDF, "application/pdf")},
                headers={"Origin": browser.origin, "Referer": browser.origin + "/"},
                timeout=30,
            )
        form = Page(response.text).form(with_input("version"))
        values = form_values(form)
        values.update(title=f"Prod-check report {key} {period}", narrative=NARRATIVE)
        first_seen: set[tuple[str, str]] = set()
        for field in form["inputs"]:
            name = field.get("name", "")
            parts = name.split("__")
            if len(parts) == 2 and parts[1] == "total":
                values[name] = str(total)
            elif len(parts) == 2 and parts[1] in {"num", "den"}:
                values[name] = "3" if parts[1] == "num" else "4"
            elif len(parts) == 3:
                first = (parts[0], parts[1]) not in first_seen
                first_seen.add((parts[0], parts[1]))
                values[name] = str(total) if first else "0"
            elif len(parts) == 4:  # a ratio's cell: all of it in the first category
                first = (parts[0], parts[1], parts[3]) not in first_seen
                first_seen.add((parts[0], parts[1], parts[3]))
                values[name] = ("3" if parts[3] == "num" else "4") if first else "0"
        values["submit"] = ""
        browser.post(browser.path(response), values)
        status = self.report_status(report)
        self.checks.require(
            f"report {key}: figures filled in and submitted", status == "submitted", status
        )
        self.reports[key] = report
        return report

    def report_status(self, report: int) -> str:
        table = self.seed["tables"]["report"]
        rows = self.stack.sql(f"SELECT status FROM {table} WHERE id = %s", (report,))  # noqa: S608
        return rows[0][0] if rows else ""

    def approve(self, key: str) -> requests.Response:
        report = self.reports[key]
        return self.reviewer.submit(
            f"/reports/{report}/",
            lambda f: f["attrs"].get("id") == "decision-form",
            {"comment": ""},
            allow_redirects=False,
        )

    def summary_matches(self, period: str) -> tuple[bool, Any]:
        """The province's summary rows equal a fresh GROUP BY over the approved figures."""
        t = self.seed["tables"]
        args = (self.seed["province"], self.seed["periods"][period])
        summary = self.stack.sql(
            f"SELECT indicator_id, dimension, category, value, numerator, denominator,"  # noqa: S608
            f" report_count FROM {t['summary']} WHERE province_id = %s AND period_id = %s",
            args,
        )
        fresh = self.stack.sql(
            f"SELECT f.indicator_id, f.dimension, f.category, SUM(f.value), SUM(f.numerator),"  # noqa: S608
            f" SUM(f.denominator), COUNT(*) FROM {t['figure']} f JOIN {t['report']} r"
            f" ON r.id = f.report_id WHERE r.status = 'approved' AND NOT f.not_applicable"
            f" AND r.province_id = %s AND r.period_id = %s"
            f" GROUP BY f.indicator_id, f.dimension, f.category",
            args,
        )

        def normal(rows: list[tuple]) -> set[tuple]:
            return {
                tuple(int(v) if v is not None and not isinstance(v, str) else v for v in r)
                for r in rows
            }

        return normal(summary) == normal(fresh) and bool(fresh), (len(summary), len(fresh))

    def province_total(self, period: str) -> set[int]:
        t = self.seed["tables"]
        rows = self.stack.sql(
            f"SELECT DISTINCT value FROM {t['summary']} WHERE province_id = %s"  # noqa: S608
            f" AND period_id = %s AND dimension = 'total' AND value IS NOT NULL",
            (self.seed["province"], self.seed["periods"][period]),
        )
        return {int(r[0]) for r in rows}

    def stale_cells(self) -> int:
        return self.stack.sql(f"SELECT COUNT(*) FROM {self.seed['tables']['stale']}")[0][0]  # noqa: S608

    def working_page(self, quarter: int) -> requests.Response:
        return self.admin.get(f"/summaries/?year=2026&quarter={quarter}&province=01")

    def workflow(self) -> None:
        c, orgs = self.checks, self.seed["organisations"]
        c.phase("Filing, submitting and approving a report; the working figure moves")
        self.file_report("A", orgs[0], "2026-Q3", 4321, attach=True)
        c.check(
            "an evidence file is attached (stored under MEDIA_ROOT)",
            any((self.stack.tmp / "media").rglob("*.pdf")),
        )
        for key, org in (("B", orgs[0]), ("C", orgs[1]), ("D", orgs[2])):
            self.file_report(key, org, "2026-Q4", {"B": 1000, "C": 200, "D": 30}[key])

        before = self.working_page(3)
        c.check(
            "the admin sees working figures, without the figure yet",
            before.status_code == 200
            and 'id="working-banner"' in before.text
            and not number_pattern(4321).search(before.text),
            before.status_code,
        )
        approved = self.approve("A")
        c.check("the reviewer approves report A (302)", approved.status_code == 302, approved.text)
        c.check("report A is approved", self.report_status(self.reports["A"]) == "approved")
        moved = wait_for(lambda: number_pattern(4321).search(self.working_page(3).text), 30)
        c.check("the worker recomputed: 4.321 appears in the working figures", moved)
        c.check("the summary equals the approved figures", self.summary_matches("2026-Q3")[0])
        page = self.reviewer.get(f"/reports/{self.reports['A']}/")
        link = re.search(r'href="(/reports/\d+/attachments/\d+/)"', page.text)
        download = self.reviewer.get(link.group(1)) if link else None
        c.check(
            "the reviewer downloads the evidence file",
            download is not None and download.status_code == 200 and download.content == PDF,
            link,
        )

    def publish(self) -> None:
        c = self.checks
        c.phase("Locking Q1-Q3 2026 and publishing a release; CSV and XLSX downloads")
        for period in self.seed["lock"]:
            locked = self.admin.post(
                f"/reports/periods/{period}/lock/",
                {
                    "locked": "1",
                    "confirm": "on",  # the confirmation page's tick box
                    "csrfmiddlewaretoken": self.admin.session.cookies["csrftoken"],
                },
                allow_redirects=False,
            )
            if locked.status_code != 302:
                c.check(f"period {period} locked", False, locked.status_code)
        locked_now = self.stack.sql(
            "SELECT COUNT(*) FROM reports_reportingperiod WHERE is_locked AND id = ANY(%s)",
            (list(self.seed["lock"]),),
        )[0][0]
        c.check(
            f"{len(self.seed['lock'])} periods locked through the periods page",
            locked_now == len(self.seed["lock"]),
            locked_now,
        )
        published = self.admin.submit(
            "/summaries/releases/",
            lambda f: f["attrs"].get("id") == "publish-form",
            {"year": "2026", "quarter": "3", "note": ""},
        )
        links = re.findall(r'href="(/summaries/download\.(csv|xlsx)\?[^"]+)"', published.text)
        c.require(
            "the release is published and listed with its files", links, published.text[-800:]
        )
        files = {kind: href.replace("&amp;", "&") for href, kind in links}
        csv = self.reviewer.get(files["csv"])
        text = csv.content.decode("utf-8-sig", errors="replace")
        c.check(
            "release CSV: 200, UTF-8 with BOM, the approved figure, no-store",
            csv.status_code == 200
            and csv.content.startswith(b"\xef\xbb\xbf")
            and "4321" in text
            and "no-store" in csv.headers.get("Cache-Control", ""),
            (csv.status_code, text[:300]),
        )
        xlsx = self.reviewer.get(files["xlsx"])
        values: set[Any] = set()
        with contextlib.suppress(Exception):
            book = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
            values = {v for row in book.worksheets[0].iter_rows(values_only=True) for v in row}
        c.check(
            "release XLSX: 200, a workbook holding the approved figure",
            xlsx.status_code == 200 and 4321 in values,
            (xlsx.status_code, xlsx.headers.get("Content-Type")),
        )

    # Hardening -------------------------------------------------------------------------------

    def hardening(self) -> None:
        c = self.checks
        c.phase("Security headers, static files, error pages, /metrics, JSON logs")
        page = self.admin.get("/reports/")
        h = page.headers
        c.check(
            "HSTS: one year, subdomains",
            h.get("Strict-Transport-Security") == "max-age=31536000; includeSubDomains",
            h.get("Strict-Transport-Security"),
        )
        policy = h.get("Content-Security-Policy", "")
        c.check(
            "CSP: own origin only, no inline script",
            "default-src 'self'" in policy
            and "script-src 'self'" in policy
            and "unsafe-inline" not in policy,
            policy,
        )
        c.check("X-Content-Type-Options: nosniff", h.get("X-Content-Type-Options") == "nosniff")
        c.check("Referrer-Policy: same-origin", h.get("Referrer-Policy") == "same-origin")
        c.check("X-Frame-Options: DENY", h.get("X-Frame-Options") == "DENY")
        c.check("pages are not cached: no-store", "no-store" in h.get("Cache-Control", ""))
        plain = requests.get(self.base + "/accounts/login/", allow_redirects=False, timeout=10)
        c.check(
            "plain HTTP is redirected to HTTPS",
            plain.status_code == 301 and plain.headers.get("Location", "").startswith("https://"),
            (plain.status_code, plain.headers.get("Location")),
        )

        assets = Page(self.login_page.text).assets
        hashed = [a for a in assets if HASHED_STATIC.search(a)]
        c.check(
            "static files are referred to by hashed names",
            hashed and len(hashed) == len(assets),
            assets,
        )
        if hashed:
            static = requests.get(
                self.base + hashed[0],
                headers={"Accept-Encoding": "gzip", "X-Forwarded-Proto": "https"},
                timeout=10,
            )
            c.check(
                f"{hashed[0]}: 200, cached for ten years (immutable), compressed",
                static.status_code == 200
                and "max-age=315360000" in static.headers.get("Cache-Control", "")
                and "immutable" in static.headers.get("Cache-Control", "")
                and static.headers.get("Content-Encoding") == "gzip",
                dict(static.headers),
            )

        missing = self.admin.get(f"/no-such-page-{secrets.token_hex(4)}/")
        c.check(
            "a missing page: 404, the portal's page, no debug page",
            missing.status_code == 404 and no_debug_page(missing),
            missing.status_code,
        )
        host = requests.get(
            self.base + "/accounts/login/",
            headers={"Host": "attacker.example", "X-Forwarded-Proto": "https"},
            timeout=10,
        )
        c.check(
            "an unknown Host header: 400, no debug page",
            host.status_code == 400 and no_debug_page(host),
            host.status_code,
        )
        forged = self.admin.session.post(
            self.base + "/reports/periods/1/lock/",
            data={"locked": "1"},
            headers={"Origin": "https://attacker.example"},
            timeout=10,
        )
        c.check(
            "a cross-site POST: 403, no debug page",
            forged.status_code == 403 and no_debug_page(forged),
            forged.status_code,
        )

        metrics_url = self.base + "/metrics"
        refused = requests.get(metrics_url, timeout=10)
        c.check("/metrics without a token: 401", refused.status_code == 401)
        metrics = self.metrics()
        c.check(
            "/metrics with the token: queue length, stale cells, runs, latency by view",
            all(
                name in metrics
                for name in (
                    "portal_celery_queue_length",
                    "portal_stale_summary_cells",
                    "portal_stale_summary_oldest_age_seconds",
                    "portal_summary_last_success_timestamp_seconds",
                    "portal_celery_task_failures",
                    "portal_aggregation_runs_failed_total",
                    'portal_http_request_duration_seconds_bucket{le="0.1",method="POST",'
                    'view="reports:approve"}',
                )
            ),
            metrics[:1500],
        )
        # A task that fails for good (called without its arguments): counted, and reported.
        self.stack.run(
            [str(BIN / "celery"), "-A", "config", "call", "summaries.tasks.recompute_summary"],
            timeout=60,
        )
        failures = 'portal_celery_task_failures_total{task="summaries.tasks.recompute_summary"}'
        c.check(
            "a task that fails for good is counted in /metrics",
            wait_for(lambda: failures + " 1.0" in self.metrics(), 30),
        )
        c.check(
            "... and reported to Sentry by the worker",
            wait_for(
                lambda: any(
                    v.get("type") == "TypeError"
                    for e in self.stack.sentry.events
                    for v in (e.get("exception") or {}).get("values", [])
                ),
                20,
            ),
        )
        c.check(
            "/metrics as a logged-in admin",
            self.admin.get("/metrics").status_code == 200,
        )
        web_lines = self.stack.logs["web"].read_text().splitlines()
        not_json = [line for line in web_lines if line.strip() and not is_json(line)]
        access = [json.loads(line) for line in web_lines if '"gunicorn.access"' in line]
        c.check(
            "LOG_FORMAT=json: every line gunicorn and Django wrote is JSON",
            web_lines and not not_json,
            not_json[:3],
        )
        c.check(
            "access log lines carry method, path, status and duration",
            access and {"method", "path", "status", "duration_ms"} <= set(access[-1]["http"]),
        )
        worker_json = [
            json.loads(line)
            for line in self.stack.logs["worker"].read_text().splitlines()
            if is_json(line)
        ]
        c.check(
            "the worker logs JSON too (task succeeded lines)",
            any("succeeded" in entry.get("message", "") for entry in worker_json),
        )

    def metrics(self) -> str:
        response = requests.get(
            self.base + "/metrics",
            headers={"Authorization": f"Bearer {self.stack.metrics_token}"},
            timeout=15,
        )
        return response.text if response.status_code == 200 else ""

    def metric(self, name: str) -> float | None:
        for line in self.metrics().splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                return float(line.rsplit(" ", 1)[1])
        return None

    # Faults ----------------------------------------------------------------------------------

    @contextlib.contextmanager
    def rebuild_lock(self) -> Iterator[None]:
        """Hold the full rebuild's advisory lock: every recompute waits at its first statement,
        inside its transaction, until this is released."""
        with psycopg.connect(**self.stack.conninfo(), autocommit=True) as db:
            db.execute("SELECT pg_advisory_lock(7420240)")
            try:
                yield
            finally:
                db.execute("SELECT pg_advisory_unlock(7420240)")

    def waiting_recomputes(self) -> int:
        return self.stack.sql(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = %s"
            " AND wait_event_type = 'Lock' AND wait_event = 'advisory'",
            (self.stack.db_name,),
        )[0][0]

    def active_task_pid(self) -> int | None:
        inspected = self.stack.run(
            [str(BIN / "celery"), "-A", "config", "inspect", "active", "--json", "--timeout=5"],
            timeout=60,
        )
        for line in inspected.stdout.splitlines():
            if line.startswith("{"):
                for tasks in json.loads(line).values():
                    for task in tasks:
                        if task.get("name") == "summaries.tasks.recompute_summary":
                            return int(task["worker_pid"])
        return None

    def kill_the_worker(self) -> None:
        c, stack = self.checks, self.stack
        c.phase("Fault (a): the worker killed with SIGKILL in the middle of a recompute")
        with self.rebuild_lock():
            approved = self.approve("B")
            c.check("report B approved (302)", approved.status_code == 302)
            c.require(
                "its recompute is running in a pool process, held mid-transaction",
                wait_for(lambda: self.waiting_recomputes() >= 1, 30),
                stack.log_tail("worker"),
            )
            pid = self.active_task_pid()
            c.require("the pool process running it is found", pid, stack.log_tail("worker"))
            os.kill(pid, signal.SIGKILL)
            c.check(
                "the worker replaces the killed pool process",
                wait_for(
                    lambda: (
                        pid not in stack.worker_children() and len(stack.worker_children()) == 2
                    ),
                    30,
                ),
            )
            c.check(
                "the task went back to the queue and runs again (reject_on_worker_lost)",
                wait_for(lambda: self.active_task_pid() not in (None, pid), 30),
                stack.log_tail("worker"),
            )
        c.check(
            "released, it finishes: the Q4 summary is right (1.000)",
            wait_for(
                lambda: (
                    self.summary_matches("2026-Q4")[0] and self.province_total("2026-Q4") == {1000}
                ),
                30,
            ),
            self.summary_matches("2026-Q4"),
        )

        with self.rebuild_lock():
            approved = self.approve("C")
            c.check("report C approved (302)", approved.status_code == 302)
            c.require(
                "its recompute is held mid-transaction",
                wait_for(lambda: self.waiting_recomputes() >= 1, 30),
            )
            stack.stop("worker", signal.SIGKILL)  # the whole worker, pool and all
        c.check(
            "the whole worker is gone (SIGKILL to its process group)", not stack.alive("worker")
        )
        time.sleep(1)
        c.check(
            "the approval's stale mark survived in the database",
            self.stale_cells() == 1 and self.province_total("2026-Q4") == {1000},
            (self.stale_cells(), self.province_total("2026-Q4")),
        )
        c.check("/metrics shows one stale cell", self.metric("portal_stale_summary_cells") == 1.0)
        stack.start_worker()
        c.require("the worker restarts", wait_for(lambda: self.worker_ready(), 60))
        called = stack.run(
            [str(BIN / "celery"), "-A", "config", "call", "summaries.tasks.reconcile_summaries"],
            timeout=60,
        )
        c.check("the reconciler is queued (celery call)", called.returncode == 0, called.stderr)
        c.check(
            "the reconciler caught up: the Q4 summary is right (1.200), nothing stale",
            wait_for(
                lambda: (
                    self.stale_cells() == 0
                    and self.summary_matches("2026-Q4")[0]
                    and self.province_total("2026-Q4") == {1200}
                ),
                60,
            ),
            (self.stale_cells(), self.province_total("2026-Q4")),
        )
        running = self.metric("portal_aggregation_runs_running")
        print(
            f"        note: {running:.0f} aggregation run(s) left 'running' by the killed"
            " processes (portal_aggregation_runs_running)"
            if running
            else "",
            flush=True,
        )

    def stop_redis(self) -> None:
        c, stack = self.checks, self.stack
        c.phase("Fault (b): Redis killed during an approval")
        stack.redis("set", "prod-check:marker", "kept")
        time.sleep(1.5)  # appendfsync everysec: the append-only file has it within a second
        stack.stop("redis", signal.SIGKILL)
        c.check("Redis is down", not wait_for(lambda: stack.redis("ping") == "PONG", 1))
        response = requests.get(self.base + "/healthz", timeout=20)
        body = response.json()
        c.check(
            "/healthz: 503, names the broker and its error class",
            response.status_code == 503
            and body.get("failing") == ["broker"]
            and body["checks"]["broker"].get("error"),
            body,
        )
        print(f"        /healthz said: {json.dumps(body.get('checks', {}).get('broker'))}")
        c.check(
            "... with the reason: connection refused",
            body.get("checks", {}).get("broker", {}).get("reason") == "connection refused",
        )
        started = time.monotonic()
        approved = self.approve("D")
        took = time.monotonic() - started
        c.check(
            f"the approval is kept: 302 in {took:.1f} s",
            approved.status_code == 302 and self.report_status(self.reports["D"]) == "approved",
            (approved.status_code, approved.text[:300]),
        )
        page = self.reviewer.get(approved.headers.get("Location", f"/reports/{self.reports['D']}/"))
        c.check("the report page answers 200", page.status_code == 200, page.status_code)
        c.check("the stale mark is in the database", self.stale_cells() == 1)
        c.check(
            "/metrics still answers: broker down, one stale cell",
            self.metric("portal_broker_up") == 0.0
            and self.metric("portal_stale_summary_cells") == 1.0,
        )
        stack.start_redis()
        c.require("Redis is back", wait_for(lambda: stack.redis("ping") == "PONG", 20))
        c.check(
            "Redis kept its data through the kill (append-only file)",
            stack.redis("get", "prod-check:marker") == "kept",
        )
        c.check(
            "/healthz is 200 again",
            wait_for(lambda: self.healthz() == (200, "ok", "ok"), 30),
        )
        called = wait_for(
            lambda: (
                stack.run(
                    [
                        str(BIN / "celery"),
                        "-A",
                        "config",
                        "call",
                        "summaries.tasks.reconcile_summaries",
                    ],
                    timeout=60,
                ).returncode
                == 0
            ),
            30,
        )
        c.check("the reconciler is queued", called)
        c.check(
            "the worker reconnected and the reconciler aggregated the approval (1.230)",
            wait_for(
                lambda: (
                    self.stale_cells() == 0
                    and self.summary_matches("2026-Q4")[0]
                    and self.province_total("2026-Q4") == {1230}
                ),
                60,
            ),
            (self.stale_cells(), self.province_total("2026-Q4"), stack.log_tail("worker", 10)),
        )

    def restart_postgres(self) -> None:
        c, stack = self.checks, self.stack
        c.phase("Fault (c): PostgreSQL stopped and started under load")
        outcomes: Counter[str] = Counter()
        bad: list[str] = []
        healthz_seen: list[dict] = []
        stop = threading.Event()
        paths = ["/healthz", "/summaries/?year=2026&quarter=3", "/reports/", "/"]
        cookies = self.admin.session.cookies

        def load(n: int) -> None:
            browser = Browser(self.base, f"load-{n}")
            browser.session.cookies = cookies.copy()
            i = 0
            while not stop.is_set() and i < 400:
                path = paths[(n + i) % len(paths)]
                i += 1
                try:
                    if path == "/healthz":  # as a probe asks: no session cookie
                        response = requests.get(self.base + path, timeout=20)
                    else:
                        response = browser.get(path, timeout=20, allow_redirects=False)
                except requests.RequestException as error:
                    outcomes["no answer"] += 1
                    bad.append(f"{path}: {type(error).__name__}")
                    continue
                code = response.status_code
                outcomes[str(code)] += 1
                if code >= 500 and not no_debug_page(response):
                    bad.append(f"{path}: {code} with a debug page")
                elif code not in {200, 302} and code < 500:
                    bad.append(f"{path}: {code}")
                if path == "/healthz" and code == 503 and len(healthz_seen) < 1:
                    healthz_seen.append(response.json())
                time.sleep(0.05)

        with ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(load, n) for n in range(4)]
            time.sleep(2)
            stopped = stack.stop_postgres("fast")
            c.check(
                "PostgreSQL stopped (pg_ctl stop -m fast)", stopped.returncode == 0, stopped.stderr
            )
            time.sleep(4)
            started = stack.start_postgres()
            c.check("PostgreSQL started again", started.returncode == 0, started.stderr)
            time.sleep(4)
            stop.set()
            for future in futures:
                future.result()
        print(f"        answers during the restart: {dict(outcomes)}")
        c.check(
            "every answer was 200/302 or a 5xx without a debug page; gunicorn always answered",
            not bad and sum(outcomes.values()) > 20,
            bad[:5],
        )
        c.check(
            "/healthz said the database failed, and how",
            healthz_seen
            and healthz_seen[0].get("failing") == ["database"]
            and healthz_seen[0]["checks"]["database"].get("error"),
            healthz_seen,
        )
        if healthz_seen:
            print(f"        /healthz said: {json.dumps(healthz_seen[0]['checks']['database'])}")
        for path in paths:
            c.check(
                f"{path} recovers",
                wait_for(
                    lambda path=path: (
                        self.admin.get(path, allow_redirects=False).status_code in {200, 302}
                    ),
                    30,
                ),
            )
        before = self.stack.sql(
            f"SELECT COUNT(*) FROM {self.seed['tables']['run']} WHERE kind = 'full'"  # noqa: S608
            " AND status = 'done'"
        )[0][0]
        stack.run(
            [str(BIN / "celery"), "-A", "config", "call", "summaries.tasks.rebuild_summaries"],
            timeout=60,
        )
        c.check(
            "the worker works after the restart: a full rebuild is done",
            wait_for(
                lambda: (
                    self.stack.sql(
                        f"SELECT COUNT(*) FROM {self.seed['tables']['run']}"  # noqa: S608
                        " WHERE kind = 'full' AND status = 'done'"
                    )[0][0]
                    > before
                ),
                60,
            ),
            stack.log_tail("worker", 10),
        )
        c.check(
            "summaries still right after the rebuild",
            self.summary_matches("2026-Q3")[0] and self.summary_matches("2026-Q4")[0],
        )
        errors = wait_for(
            lambda: [e for e in stack.sentry.events if e.get("exception")], 20, interval=0.5
        )
        c.check(
            "the database errors reached Sentry (a local stand-in)",
            errors,
            len(stack.sentry.events),
        )
        if errors:
            kinds = Counter(v["type"] for e in errors for v in e["exception"]["values"])
            print(f"        Sentry received {len(errors)} error event(s): {dict(kinds)}")
            raw = b"".join(stack.sentry.raw).decode("utf-8", errors="replace")
            private = [
                s
                for s in (
                    stack.user_password,
                    "sessionid",
                    "csrftoken",
                    NARRATIVE,
                    stack.db_password,
                    self.seed["users"]["admin"],
                )
                if s in raw
            ]
            c.check(
                "Sentry events hold no cookies, passwords, report text or e-mail",
                not private,
                private,
            )
            c.check(
                "Sentry events say which view failed",
                any(e.get("request", {}).get("url", "").startswith("http") for e in errors),
            )

    def backup_and_restore(self) -> None:
        c, stack = self.checks, self.stack
        c.phase("Backup and restore into a new database")
        made = stack.manage("backup", "--output", str(stack.tmp / "backups"))
        c.require("manage.py backup", made.returncode == 0, made.stderr[-1500:])
        directory = made.stdout.strip().splitlines()[-1]
        restored_db = f"{stack.db_name}_restored"
        stack.sql(f'CREATE DATABASE "{restored_db}"', dbname="postgres")
        restored = stack.manage(
            "restore",
            directory,
            DATABASE_URL=stack.database_url(restored_db),
            MEDIA_ROOT=str(stack.tmp / "media-restored"),
        )
        c.check(
            "manage.py restore into a new database: every table's rows as the manifest counted",
            restored.returncode == 0,
            restored.stderr[-1500:],
        )
        t = self.seed["tables"]
        for table in ("report", "figure", "summary"):
            query = f"SELECT COUNT(*) FROM {t[table]}"  # noqa: S608
            c.check(
                f"restored {t[table]} has the live database's rows",
                stack.sql(query) == stack.sql(query, dbname=restored_db),
            )
        c.check(
            "the evidence file is restored",
            any((stack.tmp / "media-restored").rglob("*.pdf")),
        )


def is_json(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def cookie_attributes(response: requests.Response, name: str) -> set[str]:
    """The attributes of a Set-Cookie header for `name`, in lower case ("secure", ...)."""
    for header in response.raw.headers.getlist("Set-Cookie"):
        if header.startswith(name + "="):
            parts = [p.strip().lower() for p in header.split(";")[1:]]
            return {
                p.split("=")[0] if p.split("=")[0] in {"secure", "httponly"} else p for p in parts
            }
    return set()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    options = parser.parse_args()

    def interrupted(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    checks = Checks()
    stack = Stack(options.keep)
    aborted = ""
    try:
        run = ProdCheck(stack, checks)
        run.start()
        run.people()
        run.workflow()
        run.publish()
        run.hardening()
        run.kill_the_worker()
        run.stop_redis()
        run.restart_postgres()
        run.backup_and_restore()
    except Abort as error:
        aborted = f"stopped after a failed check: {error}"
    except KeyboardInterrupt:
        aborted = "interrupted"
        checks.failed += 1
    except Exception as error:  # an unexpected error is a failure, reported with the logs
        import traceback

        traceback.print_exc()
        aborted = f"{type(error).__name__}: {error}"
        checks.failed += 1
    finally:
        if checks.failed:
            for name in ("web", "worker", "beat", "redis"):
                tail = stack.log_tail(name, 15)
                if tail:
                    print(f"\n-- last lines of {name}.log\n{tail}")
        stack.close()
    seconds = time.monotonic() - checks.started
    if aborted:
        print(f"\nprod-check: {aborted}")
    print(f"\nprod-check took {seconds:.0f} s")
    print(f"prod-check: {checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
