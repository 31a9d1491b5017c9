"""What the home page reads for one user: each section only for roles that may see it.

Every section comes from the owning app's selector or access entry point (``restrict``,
``restrict_owned``, ``request_list``, ``import_runs`` …), so the home page cannot show more
than the pages it links to. A section a role may not see is None, not an empty list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db.models import DateTimeField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from dossier.core.actors import MaybeActor
from dossier.customers.access import may, reach, restrict
from dossier.customers.models import Customer
from dossier.customers.selectors import customer_names
from dossier.followups.selectors import my_tasks
from dossier.insights.reports import may_see_reports
from dossier.insights.selectors import may_use_segments, segment_rows
from dossier.interactions.models import Interaction
from dossier.matching.models import DuplicateScan
from dossier.matching.selectors import REVIEW_PERMISSION, latest_scan
from dossier.privacy.requests import RequestFilters, request_list
from dossier.privacy.subjects import HANDLE
from dossier.protection.disclosure import may_see_personal
from dossier.templates.models import ProfileMigration
from dossier.transfer.models import ImportRun
from dossier.transfer.selectors import import_runs

#: rows per section: the page is meant to fit one phone screen, "more" links to the rest
ROWS = 3
#: days ahead a data-subject request counts as "coming due"
DUE_SOON_DAYS = 7
#: the birthdays section looks this many days ahead, today included
BIRTHDAY_DAYS = 7
#: birthdays read and sorted at most (beyond, the section counts them in the database)
BIRTHDAYS_READ = 500


@dataclass
class Section:
    """A few rows of a section and how many there are in all (``more``: beyond the rows)."""

    rows: list[Any]
    total: int

    @property
    def more(self) -> bool:
        return self.total > len(self.rows)


@dataclass
class TaskSections:
    overdue: Section
    today: Section
    #: whether task titles (which may name the customer) are shown
    titles: bool


@dataclass
class Jobs:
    """Background work in progress that the user started or may follow."""

    imports: list[ImportRun] = field(default_factory=list)
    migrations: list[ProfileMigration] = field(default_factory=list)
    scan: DuplicateScan | None = None

    @property
    def empty(self) -> bool:
        return not (self.imports or self.migrations or self.scan)


@dataclass
class Home:
    """The sections of one user's home page; None: not for this role."""

    tasks: TaskSections | None = None
    customers: Section | None = None
    birthdays: Section | None = None
    requests: Section | None = None
    overdue_requests: int = 0
    jobs: Jobs | None = None
    segments: Section | None = None
    may_create: bool = False
    may_search_customers: bool = False
    reports: bool = False


def _task_section(actor: MaybeActor, when: str, now: datetime) -> Section:
    # one row more than shown, to say "more" without counting every task
    page = my_tasks(actor=actor, when=when, limit=ROWS, now=now)
    total = len(page.items) + (1 if page.next_cursor else 0)
    return Section(rows=page.items, total=total)


def _with_names(actor: MaybeActor, rows: list[Any], key: str = "customer_id") -> list[Any]:
    """Each row with ``name``: its customer's name as the actor may see it (masked)."""
    names = customer_names(actor=actor, customer_ids=[getattr(r, key) for r in rows])
    for row in rows:
        row.shown_name = names.get(str(getattr(row, key)), "")
    return rows


def task_sections(actor: MaybeActor, now: datetime) -> TaskSections:
    """The actor's overdue tasks and those due today (a few of each)."""
    overdue = _task_section(actor, "overdue", now)
    today = _task_section(actor, "today", now)
    _with_names(actor, overdue.rows)
    _with_names(actor, today.rows)
    return TaskSections(overdue=overdue, today=today, titles=may_see_personal(actor))


def recent_customers(actor: MaybeActor, *, limit: int = ROWS) -> Section:
    """Customers the actor owns, latest activity first (a change or an interaction)."""
    mine = restrict(Customer.objects.filter(owner_id=actor.pk), actor, "view")
    latest_contact = (
        Interaction.objects.filter(customer_id=OuterRef("pk"))
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )
    active = mine.filter(erased_at__isnull=True).annotate(
        active_at=Greatest(
            "updated_at",
            Coalesce(Subquery(latest_contact), "updated_at", output_field=DateTimeField()),
        )
    )
    rows = list(active.order_by("-active_at", "-id").values("id", "active_at")[:limit])
    names = customer_names(actor=actor, customer_ids=[r["id"] for r in rows])
    shown = [
        {"id": r["id"], "name": names.get(str(r["id"]), ""), "active_at": r["active_at"]}
        for r in rows
    ]
    return Section(rows=shown, total=mine.filter(erased_at__isnull=True).count())


def _birthday_filter(today: date, days: int) -> Q:
    found = Q()
    for ahead in range(days):
        day = today + timedelta(days=ahead)
        found |= Q(birthday__month=day.month, birthday__day=day.day)
        if (day.month, day.day) == (2, 28) and not _leap(day.year):
            found |= Q(birthday__month=2, birthday__day=29)  # greeted on the 28th, as the job
    return found


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _next_birthday(born: date, today: date) -> date:
    for ahead in range(366):
        day = today + timedelta(days=ahead)
        if (born.month, born.day) == (day.month, day.day) or (
            (born.month, born.day) == (2, 29)
            and (day.month, day.day) == (2, 28)
            and not _leap(day.year)
        ):
            return day
    return today


def birthdays(actor: MaybeActor, today: date, *, limit: int = ROWS) -> Section:
    """The actor's customers (a manager's: the team's) whose birthday falls in the next
    seven days, soonest first.

    A birthday is personal data: only for those who may see it (the caller checks). An
    administrator sees every customer, but is greeted with the birthdays of their own.
    """
    scope = reach(actor, "view")
    visible = restrict(Customer.objects.filter(erased_at__isnull=True), actor, "view")
    held = visible.filter(owner_id=actor.pk) if scope.everyone else visible.filter(scope.held())
    born = held.filter(_birthday_filter(today, BIRTHDAY_DAYS))
    # a week of birthdays among one person's (or team's) customers: few rows, sorted here
    found = [
        (_next_birthday(born_on, today), pk)
        for pk, born_on in born.values_list("id", "birthday")[:BIRTHDAYS_READ]
        if born_on is not None
    ]
    found.sort(key=lambda row: (row[0], str(row[1])))
    names = customer_names(actor=actor, customer_ids=[pk for _day, pk in found[:limit]])
    rows = [{"id": pk, "name": names.get(str(pk), ""), "day": day} for day, pk in found[:limit]]
    return Section(rows=rows, total=born.count() if len(found) == BIRTHDAYS_READ else len(found))


def requests_due(actor: User, now: datetime) -> tuple[Section, int]:
    """Open data-subject requests due within a week (overdue first), and how many are overdue."""
    open_requests = request_list(actor=actor, filters=RequestFilters(status="open"))
    soon = open_requests.filter(due_at__lt=now + timedelta(days=DUE_SOON_DAYS))
    rows = _with_names(actor, list(soon[:ROWS]))  # each knows whether it is overdue
    overdue = open_requests.filter(due_at__lt=now).count()
    return Section(rows=rows, total=soon.count()), overdue


def jobs(actor: User) -> Jobs:
    """Imports the actor started (an admin: anyone's), profile migrations and the duplicate
    scan, while queued or running. Score refreshes run inside one job and keep no state to
    follow, so they are not listed."""
    found = Jobs()
    if may(actor, "customers.add_customer") or may(actor, "customers.change_customer"):
        busy = (ImportRun.QUEUED, ImportRun.RUNNING)
        found.imports = [r for r in import_runs(actor=actor, limit=20) if r.status in busy][:ROWS]
    if may(actor, "templates.migrate_template"):  # the rule of templates.get_migration
        busy_migrations = ProfileMigration.objects.filter(
            status__in=(ProfileMigration.QUEUED, ProfileMigration.RUNNING)
        )
        found.migrations = list(busy_migrations.select_related("template", "target")[:ROWS])
    if may(actor, REVIEW_PERMISSION):
        scan = latest_scan()
        if scan is not None and scan.status in (DuplicateScan.QUEUED, DuplicateScan.RUNNING):
            found.scan = scan
    return found


def segments(actor: MaybeActor) -> Section:
    """The segments the actor may see with their last counts (small ones held back)."""
    rows = segment_rows(actor=actor)
    rows.sort(key=lambda r: r["updated_at"], reverse=True)
    return Section(rows=rows[:ROWS], total=len(rows))


def home_for(*, actor: User, now: datetime | None = None) -> Home:
    """The home page of ``actor``: the sections their role may see, a few rows each."""
    now = now or timezone.now()
    home = Home(
        may_create=may(actor, "customers.add_customer"),
        may_search_customers=may(actor, "customers.view_customer"),
        reports=may_see_reports(actor),
    )
    if home.may_search_customers:
        home.tasks = task_sections(actor, now)
        home.customers = recent_customers(actor)
        if may_see_personal(actor):
            home.birthdays = birthdays(actor, timezone.localdate(now))
    if may(actor, HANDLE):
        home.requests, home.overdue_requests = requests_due(actor, now)
    home.jobs = jobs(actor)
    if may_use_segments(actor) and not home.may_search_customers:
        # those who work with customers find segments in the menu; analysts start from them
        home.segments = segments(actor)
    return home
