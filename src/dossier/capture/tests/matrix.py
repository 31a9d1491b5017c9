"""Role-matrix rows of the capture app (collected by site/tests/test_role_matrix.py).

East's manager keeps one form whose customers go to east's sales user; admins keep every
form, other roles none (403). The public pages answer everyone, signed in or not.
"""

from __future__ import annotations

from itertools import count
from typing import Any

from django.urls import reverse
from django.utils import timezone

from dossier.capture.models import CaptureForm, CaptureSubmission, Status
from dossier.capture.services import create_form
from dossier.capture.services.forms import PUBLIC_TYPES
from dossier.consent.services import code_digest
from dossier.customers.services.profiles import current_version
from dossier.site.tests.matrix_fixtures import PageCall, World

DENIED, UNSEEN = "403", "404"
LOGIN, REDIRECT, PAGE = "login", "302", "200"
CODE = "424242"
_serial = count(1)


def capture_form(world: World) -> CaptureForm:
    """East's form on the member template (made once per world)."""
    if "capture" not in world.made:
        template = world.member.template
        specs = current_version(template).specs()
        required = [s.key for s in specs if s.required and s.default in (None, "")]
        fields = list(dict.fromkeys([*required, "display_name", "phone"]))
        assert all(s.type in PUBLIC_TYPES for s in specs if s.key in fields)
        world.made["capture"] = create_form(
            actor=world.users["manager"],
            template=template,
            owner=world.member.owner,
            values={
                "slug": "matrix-form",
                "title_zh": "矩阵表单",
                "fields": fields,
                "source": "store",
                "lifecycle": "lead",
            },
        )
    found: CaptureForm = world.made["capture"]
    return found


def _pending(world: World) -> CaptureSubmission:
    form = capture_form(world)
    number = next(_serial)
    return CaptureSubmission.objects.create(
        form=form,
        status=Status.PENDING,
        pending_values={"display_name": f"待验证{number}", "phone": f"1390000{number:04d}"},
        code_digest=code_digest(CODE),
        code_expires_at=timezone.now() + timezone.timedelta(minutes=10),
    )


def _public_post(world: World, actor: str) -> PageCall:
    form = capture_form(world)
    number = next(_serial)
    before = CaptureSubmission.objects.filter(form=form).count()
    return PageCall(
        reverse("capture:public", args=[form.slug]),
        {"display_name": f"矩阵访客{number}", "phone": f"1378888{number:04d}"},
        lambda: CaptureSubmission.objects.filter(form=form).count() > before,
    )


def _code_post(world: World, actor: str) -> PageCall:
    pending = _pending(world)
    return PageCall(
        reverse("capture:code", args=[pending.form.slug, pending.public_id]),
        {"code": CODE},
        lambda: CaptureSubmission.objects.get(pk=pending.pk).status != Status.PENDING,
    )


def _edit_post(world: World, actor: str) -> PageCall:
    form = capture_form(world)
    title = f"矩阵表单{next(_serial)}"
    return PageCall(
        reverse("capture:edit", args=[form.slug]),
        {"title_zh": title, "fields": form.fields, "source": "web", "lifecycle": "lead"},
        lambda: CaptureForm.objects.get(pk=form.pk).title_zh == title,
    )


def _new_post(world: World, actor: str) -> PageCall:
    form = capture_form(world)
    slug = f"matrix-new-{next(_serial)}"
    return PageCall(
        reverse("capture:new"),
        {
            "template": form.template.key,
            "slug": slug,
            "title_zh": "新表单",
            "fields": form.fields,
            "source": "web",
            "lifecycle": "lead",
        },
        lambda: CaptureForm.objects.filter(slug=slug).exists(),
    )


def _active_post(world: World, actor: str) -> PageCall:
    form = capture_form(world)
    CaptureForm.objects.filter(pk=form.pk).update(active=True)
    return PageCall(
        reverse("capture:active", args=[form.slug]),
        {"active": "1"},
        lambda: CaptureForm.objects.get(pk=form.pk).active,
    )


def _slug_page(name: str) -> Any:
    return lambda w, a: PageCall(reverse(name, args=[capture_form(w).slug]))


# anonymous, then admin, manager, sales, service, marketing, analyst, outsider
PAGES: dict[str, tuple[str, ...]] = {
    "GET capture:list":     (LOGIN, PAGE, PAGE, DENIED, DENIED, DENIED, DENIED, DENIED),
    "GET capture:new":      (LOGIN, PAGE, PAGE, DENIED, DENIED, DENIED, DENIED, DENIED),
    "POST capture:new":     (LOGIN, REDIRECT, REDIRECT, DENIED, DENIED, DENIED, DENIED, DENIED),
    "GET capture:edit":     (LOGIN, PAGE, PAGE, DENIED, DENIED, DENIED, DENIED, DENIED),
    "POST capture:edit":    (LOGIN, REDIRECT, REDIRECT, DENIED, DENIED, DENIED, DENIED, DENIED),
    "POST capture:active":  (LOGIN, REDIRECT, REDIRECT, DENIED, DENIED, DENIED, DENIED, DENIED),
    "GET capture:qr":       (LOGIN, PAGE, PAGE, DENIED, DENIED, DENIED, DENIED, DENIED),
    "GET capture:public":   (PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE),
    "POST capture:public":  (REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT),  # noqa: E501
    "GET capture:code":     (PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE),
    "POST capture:code":    (REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT),  # noqa: E501
    "GET capture:thanks":   (PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE),
}  # fmt: skip

PAGE_CALLS: dict[str, Any] = {
    "GET capture:list": lambda w, a: PageCall(reverse("capture:list")),
    "GET capture:new": lambda w, a: PageCall(
        reverse("capture:new") + f"?template={capture_form(w).template.key}"
    ),
    "POST capture:new": _new_post,
    "GET capture:edit": _slug_page("capture:edit"),
    "POST capture:edit": _edit_post,
    "POST capture:active": _active_post,
    "GET capture:qr": _slug_page("capture:qr"),
    "GET capture:public": _slug_page("capture:public"),
    "POST capture:public": _public_post,
    "GET capture:code": lambda w, a: PageCall(
        reverse("capture:code", args=[capture_form(w).slug, _pending(w).public_id])
    ),
    "POST capture:code": _code_post,
    "GET capture:thanks": _slug_page("capture:thanks"),
}

PAGE_NAMESPACES = ("capture",)
