"""Log records with the request id, and one JSON object a line when DOSSIER_LOG_FORMAT=json.

Configured in settings.LOGGING, before the apps are loaded: imports nothing of the ORM.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from dossier.core.request_ids import current_request_id


class RequestIdFilter(logging.Filter):
    """Give every record ``request_id``: the request's or task's, "-" outside both."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            # Django logs a 4xx/5xx answer ("Not Found: …") after the middleware returned,
            # so the id is no longer bound then; that record carries the request itself.
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or current_request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request id, traceback.

    Only these fields: a record's other attributes (``request`` objects, SQL parameters) are
    never dumped. The message and traceback come already redacted by RedactRequestPaths,
    which runs first on every handler.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id() or "-",
        }
        status = getattr(record, "status_code", None)
        if isinstance(status, int):
            entry["status"] = status
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)
