"""Structured logs: `LOG_FORMAT=json` writes one JSON object per line (web, worker, beat and
gunicorn alike), for a log collector to index. Imports nothing of Django or Prometheus, so that
gunicorn's master process can load it before any worker starts."""

import datetime
import json
import logging
from collections.abc import Mapping
from typing import Any

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_RECORD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
}
_PLAIN_TYPES = (str, int, float, bool, type(None))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, process, the
    exception if any, and the record's plain `extra` fields. Gunicorn's access log lines also get
    their request fields (method, path, status, duration), never the query string."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            payload["http"] = _access_fields(record.args)
        for key, value in vars(record).items():
            plain = isinstance(value, _PLAIN_TYPES)
            if plain and key not in _RECORD_ATTRIBUTES and key not in payload:
                payload[key] = value
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            payload["stack"] = self.formatStack(record.stack_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


def _access_fields(atoms: Mapping[str, Any]) -> dict[str, Any]:
    """Gunicorn's access-log atoms as fields (h: client, m: method, U: path, s: status,
    B: bytes, D: microseconds)."""

    def number(key: str) -> int | None:
        try:
            return int(atoms.get(key, ""))
        except (TypeError, ValueError):
            return None

    duration = number("D")
    return {
        "client": atoms.get("h"),
        "method": atoms.get("m"),
        "path": atoms.get("U"),
        "status": number("s"),
        "bytes": number("B"),
        "duration_ms": round(duration / 1000, 3) if duration is not None else None,
    }
