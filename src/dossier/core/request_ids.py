"""The request id: one token per request, carried into its log lines and the tasks it queues.

The web side (``dossier.ops.middleware.RequestIdMiddleware``) binds it for each request; a
task decorated with ``carries_request_id`` and queued through ``enqueue_with_request_id``
binds the same id while it runs in the worker, so its log lines can be traced back.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

#: a client's X-Request-ID is kept only when it looks like this (nothing to inject in a log)
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
#: the keyword argument a task receives the id in
TASK_KWARG = "request_id"

_current: ContextVar[str] = ContextVar("dossier_request_id", default="")


def is_sane(value: str | None) -> bool:
    """Whether a client-given id may be kept as it is (≤ 64 of ``[A-Za-z0-9._-]``)."""
    return bool(value) and SANE_REQUEST_ID.fullmatch(value or "") is not None


def new_request_id() -> str:
    """A fresh id (uuid4, hex)."""
    return uuid.uuid4().hex


def current_request_id() -> str:
    """The id bound in this context ("" outside any request or task)."""
    return _current.get()


@contextmanager
def bound_request_id(value: str) -> Iterator[str]:
    """Bind ``value`` (a fresh id when it is not sane) for the duration of the block."""
    value = value if is_sane(value) else new_request_id()
    token = _current.set(value)
    try:
        yield value
    finally:
        _current.reset(token)


def carries_request_id(func: Callable[P, T]) -> Callable[P, T]:
    """Let a task take ``request_id=`` and run with it bound; put it under ``@task()``."""

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> T:
        with bound_request_id(kwargs.pop(TASK_KWARG, None) or ""):
            return func(*args, **kwargs)

    return run  # type: ignore[return-value]


def enqueue_with_request_id(task: Any, *args: Any, **kwargs: Any) -> Any:
    """Queue ``task`` (decorated with ``carries_request_id``) with the current request id."""
    request_id = current_request_id()
    if request_id:
        kwargs[TASK_KWARG] = request_id
    return task.enqueue(*args, **kwargs)
