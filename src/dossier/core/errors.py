"""The one error type services raise; edges turn it into a 4xx response or form errors."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import get_language

from dossier.core.fields import FieldError


class ApplicationError(Exception):
    """A use case that cannot go ahead: a code, a message and per-field details."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        errors: Iterable[FieldError] = (),
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message or self.code)
        self.message = message or self.code
        if code:
            self.code = code
        self.errors = list(errors)
        self.extra = extra or {}

    def details(self, language: str | None = None) -> list[dict[str, Any]]:
        language = language or get_language() or "en"
        return [err.as_dict(language) for err in self.errors]

    def as_dict(self, language: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": self.code,
            "message": str(self.message),
            "errors": self.details(language),
        }
        body.update(self.extra)
        return body


class ValidationFailed(ApplicationError):
    status = 422
    code = "validation_failed"


class NotFound(ApplicationError):
    status = 404
    code = "not_found"


class PermissionDenied(ApplicationError):
    status = 403
    code = "permission_denied"


class Conflict(ApplicationError):
    status = 409
    code = "conflict"


class TooManyAttempts(ApplicationError):
    """Too many failures in a row: try again after ``retry_after`` seconds."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str = "", *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(message, extra={"retry_after": retry_after}, **kwargs)
        self.retry_after = retry_after
