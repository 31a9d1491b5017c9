"""Request paths in log records without identifiers: no query values, no self-service token.

A search (``?q=13912345678``) or a self-service link (``/privacy/self-service/<token>/``,
which opens a customer's whole profile for editing) must not be written to a log, where
anyone with the server's files could read or replay it. The filter rewrites the records of
Django's request loggers (``django.request``, ``django.server``, ``django.security.*``) and
of WSGI servers' access logs, and every record that reaches our handlers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

REDACTED = "***"
# "?q=…", "&code=…", ";x=…": the value up to the next separator, quote or space
_QUERY_VALUE = re.compile(r"([?&;][^=&;#\s\"'?/]*=)[^&;#\s\"']+")
# "?13912345678" (a bare query without a name)
_BARE_QUERY = re.compile(r"\?(?![^=&#\s\"']*=)[^&#\s\"']+")
_SELF_SERVICE = re.compile(r"(/self-service/)[^/?#\s\"']+")


def redact(text: str) -> str:
    """``text`` with query-string values and self-service tokens replaced by ``***``."""
    if "?" not in text and "self-service/" not in text:
        return text  # the common case, without three regex passes
    text = _SELF_SERVICE.sub(rf"\g<1>{REDACTED}", text)
    text = _QUERY_VALUE.sub(rf"\g<1>{REDACTED}", text)
    return _BARE_QUERY.sub(f"?{REDACTED}", text)


def _redact_arg(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    text = str(value)  # a request object or URL whose text carries the path
    cleaned = redact(text)
    return value if cleaned == text else cleaned


class RedactRequestPaths(logging.Filter):
    """Rewrite a record's message, arguments and traceback text without identifiers."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, Mapping):  # gunicorn's access log passes a dict of atoms
            record.args = {key: _redact_arg(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(value) for value in record.args)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


#: loggers whose records carry request paths (filters on a logger do not reach its children)
REQUEST_LOGGERS = [
    "django.request",
    "django.security.csrf",
    "django.security.DisallowedHost",
    "django.security.SuspiciousOperation",
    "gunicorn.access",
    "gunicorn.error",
    "uvicorn.access",
]
