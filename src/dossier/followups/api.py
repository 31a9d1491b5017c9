"""REST endpoints of follow-up tasks (mounted at /api/v1/tasks). Thin: parse, call, return."""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Query, Router, Status

from dossier.accounts.auth import ApiRequest
from dossier.core.actors import MaybeActor
from dossier.core.schemas import ERRORS, OneOf, RecordId
from dossier.followups import selectors, services
from dossier.followups.models import Task
from dossier.followups.schemas import Cursor, ReassignIn, TaskIn, TaskOut, TaskPageOut
from dossier.protection.disclosure import may_see_personal

router = Router(tags=["tasks"])


def task_out(task: Task, actor: MaybeActor) -> dict[str, Any]:
    """A task as the actor may see it: the title (it may name the customer) only to those who
    may see personal data, as on the timeline and in webhooks; ``masked`` names it otherwise."""
    personal = may_see_personal(actor)
    return {
        "id": task.pk,
        "customer_id": task.customer_id,
        "title": task.title if personal else None,
        "masked": [] if personal else ["title"],
        "due_at": task.due_at,
        "status": task.status,
        "assignee": task.assignee.get_username() if task.assignee else None,
        "cause_kind": task.cause_kind,
        "cause_id": task.cause_id,
        "created_at": task.created_at,
        "done_at": task.done_at,
        "due_announced_at": task.due_announced_at,
    }


def _shown(request: ApiRequest, task: Task) -> dict[str, Any]:
    return task_out(selectors.task_for(actor=request.user, task_id=task.pk), request.user)


@router.get("", response={200: TaskPageOut, **ERRORS})
def list_my_tasks(
    request: ApiRequest,
    when: Annotated[str, OneOf(selectors.WHENS, checked=True)] = "open",
    cursor: Cursor = "",
    limit: int = Query(50, ge=1, le=200),
) -> Any:
    """Your tasks: `overdue` (due before now), `today` (due by midnight), `upcoming`, all
    `open` ones (the default), or `done`; soonest due first."""
    page = selectors.my_tasks(actor=request.user, when=when, cursor=cursor or None, limit=limit)
    return {
        "items": [task_out(t, request.user) for t in page.items],
        "next_cursor": page.next_cursor,
    }


@router.post("", response={201: TaskOut, **ERRORS})
def create_task(request: ApiRequest, payload: TaskIn) -> Any:
    """A task about a customer you may change, for you or a colleague who may work on them."""
    task = services.create_task(
        actor=request.user,
        customer_id=payload.customer_id,
        title=payload.title,
        due_at=payload.due_at,
        assignee=payload.assignee or None,
    )
    return Status(201, _shown(request, task))


@router.get("/{task_id}", response={200: TaskOut, **ERRORS})
def get_task(request: ApiRequest, task_id: RecordId) -> Any:
    """One task of a customer you may see."""
    return task_out(selectors.task_for(actor=request.user, task_id=task_id), request.user)


@router.post("/{task_id}/complete", response={200: TaskOut, **ERRORS})
def complete_task(request: ApiRequest, task_id: RecordId) -> Any:
    """Mark an open task done (409 when it is not open)."""
    return _shown(request, services.complete_task(actor=request.user, task_id=task_id))


@router.post("/{task_id}/reopen", response={200: TaskOut, **ERRORS})
def reopen_task(request: ApiRequest, task_id: RecordId) -> Any:
    """Open a done task again (409 when it is not done)."""
    return _shown(request, services.reopen_task(actor=request.user, task_id=task_id))


@router.post("/{task_id}/reassign", response={200: TaskOut, **ERRORS})
def reassign_task(request: ApiRequest, task_id: RecordId, payload: ReassignIn) -> Any:
    """Hand an open task to a colleague who may work on its customer (422 otherwise)."""
    task = services.reassign_task(actor=request.user, task_id=task_id, assignee=payload.assignee)
    return _shown(request, task)
