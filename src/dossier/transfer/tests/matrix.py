"""The transfer pages' rows of the role matrix (collected by site/tests/test_role_matrix.py).

Exporting needs ``customers.export_customer``: admins, managers and marketing; every other
role is refused even though sales and service see customers on the list.

Importing writes customers, so its pages are for those who may create or change them
(admins, managers, sales, service); marketing and analysts are refused (403) before any run
is looked at. A run is its owner's: the outsider asks for the east seller's run and gets 404;
the admin asks for the same run and sees it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dossier.site.tests.matrix_fixtures import PageCall, World
from dossier.templates.selectors import get_template
from dossier.transfer.models import ImportRun
from dossier.transfer.services import forget_upload

DENIED, LOGIN, PAGE, REDIRECT, UNSEEN = "403", "login", "200", "302", "404"
IMPORTERS = (LOGIN, PAGE, PAGE, PAGE, PAGE, DENIED, DENIED, PAGE)
ON_A_RUN = (LOGIN, PAGE, PAGE, PAGE, PAGE, DENIED, DENIED, UNSEEN)
WRITES_A_RUN = (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, DENIED, DENIED, UNSEEN)

OK = "2xx"
# admin, manager, sales, service, marketing, analyst, outsider (the API's export)
API: dict[str, tuple[str, ...]] = {
    "GET /exports/customers": (OK, OK, DENIED, DENIED, OK, DENIED, DENIED),
}
API_CALLS: dict[str, Any] = {
    "GET /exports/customers": lambda w, a: ("/exports/customers?format=json", None),
}

PAGES: dict[str, tuple[str, ...]] = {
    "GET transfer:export_customers": (LOGIN, PAGE, PAGE, DENIED, DENIED, PAGE, DENIED, DENIED),
    "GET transfer:imports":          IMPORTERS,
    "POST transfer:imports":         (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, DENIED, DENIED, REDIRECT),  # noqa: E501
    "GET transfer:import_mapping":   ON_A_RUN,
    "POST transfer:import_mapping":  WRITES_A_RUN,
    "POST transfer:import_preview":  ON_A_RUN,
    "POST transfer:import_discard":  WRITES_A_RUN,
    "GET transfer:import_run":       ON_A_RUN,
    "GET transfer:import_errors":    ON_A_RUN,
    "POST transfer:import_undo":     WRITES_A_RUN,
}  # fmt: skip

HEADERS = ["姓名", "手机号"]
MAPPING = {"column_0": "display_name", "column_1": "phone", "mode": "create"}
_FOLDER = Path(tempfile.gettempdir()) / "dossier-matrix-imports"


def _run(world: World, actor: str, status: str) -> ImportRun:
    """A run of the actor (the east seller's for the admin and the outsider), as the wizard
    leaves it; a draft has its small uploaded file."""
    owner = world.users["sales" if actor in ("admin", "outsider") else actor]
    stored = ""
    if status == ImportRun.DRAFT:
        _FOLDER.mkdir(exist_ok=True, mode=0o700)
        # one small file per user, written again for each call: nothing piles up in /tmp
        path = _FOLDER / f"{owner.username}.csv"
        path.write_bytes("姓名,手机号\n矩阵导入,13800138000\n".encode())
        stored = str(path)
    return ImportRun.objects.create(
        status=status,
        actor=owner,
        template=get_template(key="retail_member"),
        file_name="矩阵.csv",
        file_sha256="0" * 64,
        stored_file=stored,
        mapping={"姓名": "display_name", "手机号": "phone"},
        options={"mode": "create", "match_on": [], "headers": HEADERS},
        language="en",
    )


def _on_run(name: str, status: str, data: dict[str, Any] | None = None) -> Callable[..., PageCall]:
    def call(world: World, actor: str) -> PageCall:
        run = _run(world, actor, status)
        return PageCall(reverse(name, args=[run.pk]), data)

    return call


def _upload(world: World, actor: str) -> PageCall:
    name = f"上传-{actor}.csv"
    file = SimpleUploadedFile(name, "姓名,手机号\n上传客户,13800138000\n".encode())

    def uploaded() -> bool:
        run = ImportRun.objects.filter(file_name=name, status=ImportRun.DRAFT).first()
        if run is not None:
            forget_upload(run)  # the upload went under the data directory: leave nothing there
        return run is not None

    data = {"template": "retail_member", "mode": "create", "file": file}
    return PageCall(reverse("transfer:imports"), data, uploaded)


def _write(name: str, status: str, data: dict[str, Any], after: str | None) -> Callable[..., Any]:
    """A POST on a fresh run whose write shows as the run's new status (None: deleted)."""

    def call(world: World, actor: str) -> PageCall:
        run = _run(world, actor, status)

        def done() -> bool:
            found = ImportRun.objects.filter(pk=run.pk).first()
            if found is not None and found.stored_file:
                Path(found.stored_file).unlink(missing_ok=True)
            return (found.status if found else None) == after

        return PageCall(reverse(name, args=[run.pk]), data, done)

    return call


PAGE_CALLS: dict[str, Any] = {
    "GET transfer:export_customers": lambda w, a: PageCall(
        reverse("transfer:export_customers") + "?format=csv"
    ),
    "GET transfer:imports": lambda w, a: PageCall(reverse("transfer:imports")),
    "POST transfer:imports": _upload,
    "GET transfer:import_mapping": _on_run("transfer:import_mapping", ImportRun.DRAFT),
    "POST transfer:import_mapping": _write(
        "transfer:import_mapping", ImportRun.DRAFT, {**MAPPING, "start": "1"}, ImportRun.QUEUED
    ),
    "POST transfer:import_preview": _on_run("transfer:import_preview", ImportRun.DRAFT, MAPPING),
    "POST transfer:import_discard": _write("transfer:import_discard", ImportRun.DRAFT, {}, None),
    "GET transfer:import_run": _on_run("transfer:import_run", ImportRun.COMPLETED),
    "GET transfer:import_errors": _on_run("transfer:import_errors", ImportRun.COMPLETED),
    "POST transfer:import_undo": _write(
        "transfer:import_undo", ImportRun.COMPLETED, {}, ImportRun.UNDONE
    ),
}

PAGE_NAMESPACES = ("transfer",)
