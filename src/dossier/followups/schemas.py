"""API shapes of follow-up tasks. Explicit fields only; no rules here."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from ninja import Field, Schema

from dossier.core.schemas import FILLED, IsoDateTime, documented
from dossier.followups.paging import CURSOR_PATTERN

#: a page cursor as the lists answer it in ``next_cursor`` (empty: the first page)
Cursor = Annotated[str, Field(pattern=CURSOR_PATTERN, max_length=40)]


class TaskOut(Schema):
    id: int
    customer_id: UUID
    title: str | None = Field(..., description="null when you may not see personal data.")
    masked: list[str] = Field(..., description="The fields held back from you.")
    due_at: datetime
    status: str
    assignee: str | None
    cause_kind: str
    cause_id: str
    created_at: datetime
    done_at: datetime | None
    due_announced_at: datetime | None


class TaskPageOut(Schema):
    items: list[TaskOut]
    next_cursor: str | None


class TaskIn(Schema):
    customer_id: UUID
    title: str = Field(..., json_schema_extra=documented(maxLength=200, pattern=FILLED))
    due_at: IsoDateTime = Field(..., description="When it is due (ISO 8601 with a zone).")
    assignee: str | None = Field(
        None, description="User name of the colleague to do it; defaults to the customer's owner."
    )


class ReassignIn(Schema):
    assignee: str = Field(..., description="User name of the colleague to hand the task to.")
