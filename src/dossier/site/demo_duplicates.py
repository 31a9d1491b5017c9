"""A few customers typed twice in the demo, so the duplicates page has something to show."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from dossier.core.errors import ApplicationError
from dossier.customers.services import create_customer
from dossier.matching.services.scanning import run_scan
from dossier.templates.selectors import get_template

#: one person entered several ways, and a household that must not be merged
TYPED_TWICE: list[dict[str, Any]] = [
    {"display_name": "张伟", "phone": "138 0013 8000", "birthday": "1988-06-15", "city": "上海"},
    {"display_name": "Zhang Wei", "phone": "+86 13800138000", "city": "上海市"},
    {"display_name": "張偉", "phone": "0086 138-0013-8000", "birthday": "1988年6月15日"},
    {"display_name": "欧阳娜娜", "phone": "13912345678", "email": "nana.oy@example.cn"},
    {"display_name": "Ouyang Nana", "phone": "13700001111", "email": "nana.oy@example.cn"},
    # the same home phone, another person: the scan explains why it does not merge them
    {"display_name": "张敏", "phone": "138 0013 8000", "birthday": "1990-02-01", "city": "上海"},
]
#: the smallest demo that holds them
DUPLICATES_FROM = 100
#: the demo scans at once up to this many customers (a larger demo: `dossier dedup scan`)
SCAN_UP_TO = 20_000


def seed_duplicates(*, owner: User, customers: int) -> int:
    """Create the typed-twice customers and scan; how many groups wait for review."""
    try:
        template = get_template(key="retail_member")
    except ApplicationError:
        return 0
    for values in TYPED_TWICE:
        try:
            create_customer(actor=owner, template=template, values=values, allow_duplicate=True)
        except ApplicationError:  # a second demo run: already there (or a value is taken)
            continue
    if customers > SCAN_UP_TO:
        return 0
    return run_scan(actor=owner).groups
