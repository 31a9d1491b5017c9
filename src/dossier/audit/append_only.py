"""Rows that are only ever added: the audit log and the consent ledger are their own evidence.

The application refuses to change or delete them here; on PostgreSQL a trigger refuses it too
(migrations ``privacy.0002`` and ``consent.0003``), for writes that bypass the ORM.
"""

from __future__ import annotations

from typing import Any

from django.db import models


class AppendOnlyError(Exception):
    """An attempt to change or delete an append-only row."""


def _refuse(model: type[models.Model], verb: str) -> AppendOnlyError:
    return AppendOnlyError(f"{model._meta.verbose_name_plural} are never {verb}")


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk update() and delete() refused too, not only a row's save() and delete()."""

    def update(self, **kwargs: Any) -> int:
        raise _refuse(self.model, "changed")

    def delete(self) -> Any:
        raise _refuse(self.model, "deleted")


class AppendOnlyModel(models.Model):
    """A model whose rows are inserted once, then never saved again nor deleted."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise _refuse(type(self), "changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise _refuse(type(self), "deleted")
