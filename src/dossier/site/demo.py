"""Seed a database with demo teams, users, tags and customers, all through the services.

The rows come from the pure generator in :mod:`dossier.site.demo_data`; here they are written
with the same services the pages and the API use, so every demo customer passed validation.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from dossier.accounts.selectors import role_of_cached
from dossier.accounts.services import create_user
from dossier.core import roles
from dossier.core.errors import ApplicationError, PermissionDenied
from dossier.core.fields import FieldError, FieldSpec
from dossier.customers import search_index
from dossier.customers.models import Customer
from dossier.customers.selectors import tag_list
from dossier.customers.services import create_tag, set_customer_tags
from dossier.customers.services.bulk_load import (
    PreparedRows,
    load_new_customers,
    prepare_new_customers,
)
from dossier.customers.services.profiles import current_version
from dossier.insights.recommendations import refresh_affinities
from dossier.insights.scoring import refresh_scores
from dossier.insights.services import recount_segments
from dossier.insights.tag_rules import apply_tag_rules, ensure_standard_tag_rules
from dossier.site.demo_activity import fill_history
from dossier.site.demo_data import TAGS, TEMPLATE_WEIGHTS, DemoData, split_count
from dossier.site.demo_duplicates import DUPLICATES_FROM, TYPED_TWICE, seed_duplicates
from dossier.templates.models import Template
from dossier.templates.selectors import get_template
from dossier.transfer.importing.parallel import processes, run_ahead

DEMO_PASSWORD = "dossier-demo"
#: (user name, role, team); a second sales user makes 华南销售部 a real team
DEMO_USERS = [
    ("admin", roles.ADMIN, None),
    ("manager", roles.MANAGER, "华东销售部"),
    ("sales", roles.SALES, "华东销售部"),
    ("sales.south", roles.SALES, "华南销售部"),
    ("service", roles.SERVICE, "客服中心"),
    ("marketing", roles.MARKETING, "市场部"),
    ("analyst", roles.ANALYST, None),
]
#: who looks after each template's customers (spread evenly over the names)
OWNERS = {
    "retail_member": ("sales", "sales.south", "service"),
    "sales_lead": ("sales", "sales.south", "manager"),
    "after_sales_service": ("service",),
    "b2b_account": ("manager", "sales", "sales.south"),
    "marketing_contact": ("marketing",),
    "financial_client": ("sales", "manager"),
    "real_estate_buyer": ("sales", "sales.south"),
}
BATCH_SIZE = 2000
#: how many customers get tags (one by one: there is no bulk tag service)
TAGGED_SAMPLE = 300


@dataclass
class DemoResult:
    """What a demo run did."""

    users_created: list[str] = field(default_factory=list)
    users_existing: list[str] = field(default_factory=list)
    tags_created: list[str] = field(default_factory=list)
    customers_created: int = 0
    rows_rejected: int = 0
    customers_tagged: int = 0
    #: rows of history made per app (orders, interactions …)
    history: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    #: how long creating the customers took (without their history)
    customer_seconds: float = 0.0
    #: groups of likely duplicates the demo's scan queued for review
    duplicate_groups: int = 0


def seed_users(*, password: str, result: DemoResult) -> dict[str, User]:
    """Create the demo users that are missing (existing ones keep their password)."""
    existing = {
        u.username: u for u in User.objects.filter(username__in=[n for n, *_ in DEMO_USERS])
    }
    users: dict[str, User] = {}
    for username, role, team in DEMO_USERS:
        if username in existing:
            users[username] = existing[username]
            result.users_existing.append(username)
            continue
        users[username] = create_user(
            username=username,
            password=password,
            role=role,
            email=f"{username}@demo.dossier.local",
            team=team,
        )
        result.users_created.append(username)
    return users


def seed_tags(*, actor: User, result: DemoResult) -> dict[str, int]:
    """Create the demo tags that are missing; their ids by name."""
    have = {(t.group, t.name): t.pk for t in tag_list(actor=actor)}
    for name, group, colour in TAGS:
        if (group, name) not in have:
            have[(group, name)] = create_tag(actor=actor, name=name, group=group, colour=colour).pk
            result.tags_created.append(name)
    return {name: have[(group, name)] for name, group, _colour in TAGS}


def _seed_template(
    *,
    actor: User,
    template: Template,
    owners: Sequence[User],
    wanted: int,
    data: DemoData,
    result: DemoResult,
    advance: Callable[[int], None],
) -> list[Any]:
    """Create ``wanted`` customers of one template, the owners taking turns by batch; their ids.

    The import's fast path: rows validated and encrypted in worker processes, inserted in
    bulk (COPY on PostgreSQL) by :func:`load_new_customers`.
    """
    specs = current_version(template).specs()
    created: list[Any] = []
    errors: list[FieldError] = []
    rounds = 0
    while len(created) < wanted and rounds < 5:
        rounds += 1
        sizes = _batch_sizes(wanted - len(created))
        # each batch is made up and validated in a worker, from a seed of its own
        jobs = (
            (n, (template.key, size, data.rng.getrandbits(48), specs))
            for n, size in enumerate(sizes)
        )
        workers = processes() if wanted - len(created) > 2 * BATCH_SIZE else 1
        for number, prepared in run_ahead(_made_up, jobs, workers=workers):
            owner = owners[number % len(owners)]
            with transaction.atomic():
                loaded = load_new_customers(
                    actor=actor,
                    template=template,
                    prepared=prepared.ready,
                    specs=specs,
                    owner=owner,
                )
            created += [pk for _row, pk in loaded.created]
            rejected = prepared.errors + loaded.errors
            result.rows_rejected += len({e.row for e in rejected})
            errors = rejected or errors
            advance(len(loaded.created))
    if len(created) < wanted:
        result.problems += [f"{template.key}: {err.message('en')}" for err in errors[:3]]
    return created


def _made_up(job: tuple[str, int, int, list[FieldSpec]]) -> PreparedRows:
    """A batch of demo rows of a template, prepared for loading (runs in a worker)."""
    key, size, seed, specs = job
    return prepare_new_customers(DemoData(seed).rows(key, size), specs, range(1, size + 1))


def _batch_sizes(count: int) -> list[int]:
    return [min(BATCH_SIZE, count - start) for start in range(0, count, BATCH_SIZE)]


def seed_customers(
    *,
    actor: User,
    users: Mapping[str, User],
    count: int,
    seed: int,
    tag_ids: Mapping[str, int],
    result: DemoResult,
    advance: Callable[[int], None] = lambda n: None,
) -> list[Any]:
    """Create ``count`` demo customers over the built-in templates, in validated batches.

    Rows the service rejects (a 身份证 or serial number taken by an earlier run) are replaced
    by fresh ones, so ``count`` customers are created.
    """
    data = DemoData(seed)
    templates = {}
    for key in TEMPLATE_WEIGHTS:
        try:
            templates[key] = get_template(key=key)
        except ApplicationError:
            result.problems.append(f"template {key} is missing: run `dossier migrate` first")
    created: list[Any] = []
    weights = {key: TEMPLATE_WEIGHTS[key] for key in templates}
    with search_index.deferred_for_load(count):
        for key, wanted in (split_count(count, weights) if weights else {}).items():
            owners = [users[name] for name in OWNERS[key] if name in users] or [actor]
            created += _seed_template(
                actor=actor,
                template=templates[key],
                owners=owners,
                wanted=wanted,
                data=data,
                result=result,
                advance=advance,
            )
    result.customers_created = len(created)
    # One by one through set_customer_tags (no bulk tag service yet): a sample spread over
    # every template and owner.
    for customer_id in created[:: max(1, len(created) // TAGGED_SAMPLE)][:TAGGED_SAMPLE]:
        names = data.tag_names(at_least=1)
        set_customer_tags(actor=actor, customer_id=customer_id, tag_ids=[tag_ids[n] for n in names])
        result.customers_tagged += 1
    return created


def default_seed() -> int:
    """A seed that differs from earlier runs, so a second run does not repeat their 身份证."""
    return Customer.objects.count()


def run_demo(
    *,
    count: int,
    password: str = DEMO_PASSWORD,
    seed: int | None = None,
    advance: Callable[[int], None] = lambda n: None,
    volumes: Mapping[str, float] | None = None,
    history_advance: Callable[[str, int], None] = lambda label, n: None,
) -> DemoResult:
    """Seed users, tags and ``count`` customers with a history; safe to run again (adds more).

    ``volumes``: rows per customer by app label (``{"orders": 5.0}``).
    """
    result = DemoResult()
    users = seed_users(password=password, result=result)
    actor = users["admin"]
    if not (actor.is_superuser or role_of_cached(actor) == roles.ADMIN):
        raise PermissionDenied("The existing user “admin” is not an administrator.")
    tag_ids = seed_tags(actor=actor, result=result)
    seed = default_seed() if seed is None else seed
    started = time.perf_counter()
    # a demo of some size holds a few customers typed twice, within the count asked for
    typed_twice = len(TYPED_TWICE) if count >= DUPLICATES_FROM else 0
    created = seed_customers(
        actor=actor,
        users=users,
        count=count - typed_twice,
        seed=seed,
        tag_ids=tag_ids,
        result=result,
        advance=advance,
    )
    result.customer_seconds = time.perf_counter() - started
    owners: list[tuple[Any, int | None]] = []
    for start in range(0, len(created), 5000):
        chunk = created[start : start + 5000]
        owners += list(Customer.objects.filter(pk__in=chunk).values_list("pk", "owner_id"))
    result.history = fill_history(
        customers=owners,
        users=list(users.values()),
        seed=seed,
        volumes=volumes,
        advance=history_advance,
    )
    if typed_twice:
        owner = users.get("sales", actor)
        result.duplicate_groups = seed_duplicates(owner=owner, customers=count)
        result.customers_created += typed_twice
    # the seed articles' tag rules, and the scores, segment sizes and co-purchases the nightly
    # job keeps, so the segments and reports have something to show from the first minute
    ensure_standard_tag_rules(actor=actor)
    refresh_scores()
    recount_segments()
    apply_tag_rules()
    refresh_affinities()
    return result
