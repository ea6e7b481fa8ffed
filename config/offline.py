"""The service worker and its version: served at /sw.js (so that its scope is the whole portal)
from the static file static/js/offline/sw.js, with the version and the addresses it caches put in
front of it."""

import hashlib
import json
from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

WORKER = "js/offline/sw.js"
# What the worker loads, then what offline entry's page needs, cached when it installs.
WORKER_SCRIPTS = ["js/offline/rules.js", "js/offline/store.js"]
PRECACHED = [
    *WORKER_SCRIPTS,
    "js/offline/entry.js",
    "js/offline/register.js",
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "css/portal.css",
    "favicon.svg",
    "manifest.webmanifest",
]


def _static_bytes(name: str) -> bytes:
    """A static file's content: collected (production) or found in the project (development)."""
    found = finders.find(name)
    if found:
        with open(found, "rb") as handle:
            return handle.read()
    with staticfiles_storage.open(name) as handle:
        return handle.read()


@lru_cache(maxsize=4)
def _worker_script(setting: str) -> str:
    """The worker's text for a given OFFLINE_APP_VERSION. Its version is a hash of the setting,
    the static addresses (hashed names in production) and the content of every file it caches,
    so that a deployment that changes any of them installs a new worker, which replaces the old
    cache."""
    precache = [staticfiles_storage.url(name) for name in PRECACHED]
    body = _static_bytes(WORKER).decode()
    digest = hashlib.sha256(setting.encode())
    for url, name in zip(precache, PRECACHED, strict=True):
        digest.update(url.encode())
        digest.update(_static_bytes(name))
    digest.update(body.encode())
    config = {
        "version": digest.hexdigest()[:16],
        "pages": [reverse("reports:offline"), reverse("reports:needs_connection")],
        "precache": precache,
        "catalog": reverse("javascript-catalog"),
        "static_url": settings.STATIC_URL,
    }
    imports = ", ".join(json.dumps(staticfiles_storage.url(name)) for name in WORKER_SCRIPTS)
    return f"var PORTAL_WORKER = {json.dumps(config)};\nimportScripts({imports});\n{body}"


@require_GET
def service_worker(request):
    """The worker's script (the same for everybody). Like every page it needs a login: logging
    out unregisters the worker (static/js/offline/register.js)."""
    setting = settings.OFFLINE_APP_VERSION
    script = _worker_script(setting) if not settings.DEBUG else _worker_script.__wrapped__(setting)
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response
