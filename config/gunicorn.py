"""Gunicorn's settings file (`gunicorn -c python:config.gunicorn`), read by the master process.

- Metrics from every worker: prometheus_client's multiprocess mode needs a directory shared by
  the workers, empty at start (`PROMETHEUS_MULTIPROC_DIR`, else a new temporary directory), and
  to hear when a worker exits.
- `LOG_FORMAT=json`: gunicorn's own error and access logs as JSON lines too, like the portal's.
- No control socket (gunicorn 27 opens one in the home directory by default): the portal does not
  use it, and two gunicorns of one user would fight over the same path.
"""

import os
import shutil
import tempfile

control_socket_disable = True

# Set before anything imports prometheus_client: it picks its storage when first imported.
_made_directory = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _made_directory:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="napwps-metrics-")


def on_starting(server) -> None:
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):  # metrics of an earlier run would be added in
        if name.endswith(".db"):
            os.remove(os.path.join(directory, name))


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    if _made_directory:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


if os.environ.get("LOG_FORMAT", "plain") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "portal.logs.JsonFormatter"}},
        "handlers": {
            "error": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            },
        },
        "root": {"handlers": ["error"], "level": "INFO"},
        "loggers": {
            "gunicorn.error": {"handlers": ["error"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }
