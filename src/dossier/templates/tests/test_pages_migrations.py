"""Template migration pages: starting a migration and its report."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dossier.customers.models import Customer
from dossier.customers.services import create_customer, start_migration
from dossier.templates import services
from dossier.templates.editor import field_definition, row_from_spec
from dossier.templates.models import ProfileMigration, Template

pytestmark = pytest.mark.django_db


# --- migration --------------------------------------------------------------------------------


def test_migration_report_lists_failing_customer_and_counts_migrated_one(
    admin_client: Client,
    admin_user: User,
    member_template: Template,
    django_capture_on_commit_callbacks: Any,
) -> None:
    fits = create_customer(
        actor=admin_user,
        template=member_template,
        values={"display_name": "张三", "phone": "13800138000", "member_no": "M123456"},
    )
    misses = create_customer(
        actor=admin_user,
        template=member_template,
        values={"display_name": "李四", "phone": "13900139000"},
    )
    fields = [row_from_spec(s) for s in member_template.current_version.own_specs()]
    fields[1]["required"] = True  # member_no becomes required
    services.save_draft(
        actor=admin_user, template=member_template, fields=[field_definition(r) for r in fields]
    )
    services.publish_draft(actor=admin_user, template=member_template)

    with django_capture_on_commit_callbacks(execute=True):
        started = admin_client.post("/templates/member/migrate/")
    assert started.status_code == 302
    migration = ProfileMigration.objects.get()
    assert started["Location"] == f"/templates/member/migrations/{migration.pk}/"

    report = admin_client.get(started["Location"])
    assert report.status_code == 200
    assert report.context["migration"].status == "done"
    assert (report.context["migration"].migrated, report.context["migration"].failed) == (1, 1)
    html = report.content.decode()
    assert "李四" in html
    assert str(misses.pk) in html
    assert "is required" in html
    assert "张三" not in html
    assert "every 2s" not in html  # done: no more polling
    assert Customer.objects.get(pk=fits.pk).template_version.number == 2
    assert Customer.objects.get(pk=misses.pk).template_version.number == 1


def test_report_of_a_queued_migration_refreshes_itself(
    admin_client: Client, admin_user: User, member_template: Template, sales_user: User
) -> None:
    migration = start_migration(actor=admin_user, template=member_template)  # not run: no commit
    url = f"/templates/member/migrations/{migration.pk}/"
    response = admin_client.get(url, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert html.lstrip().startswith('<section id="report"')
    sales = Client()
    sales.force_login(sales_user)
    assert sales.get(url).status_code == 403
    assert sales.post("/templates/member/migrate/").status_code == 403
