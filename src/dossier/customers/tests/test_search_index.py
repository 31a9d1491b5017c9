"""The search index gives the results the plain ``LIKE '%…%'`` scan gave, through an index,
and stays in step with every service that writes ``search_text``; list filters by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from dossier.core import roles
from dossier.customers import search_index, selectors, services
from dossier.customers.models import Customer
from dossier.customers.names import normalise_query
from dossier.privacy.erasure import anonymise_customers, delete_customers
from dossier.templates.models import Template

NAMES = ["張三", "单雄信", "欧阳娜娜", "王芳", "王芳芳", "李小龙", "Ann Lee", "曾国藩", "100%纯"]
QUERIES = [
    "张",  # one character
    "王芳",  # two: most Chinese given names
    "張三",  # traditional
    "单雄信",
    "shanxiongxin",  # surname reading
    "zeng guo",  # pinyin with a space
    "zgf",  # initials
    "zs",
    "ou",  # inside a syllable
    "a",
    "ann lee",
    "e",
    "芳芳",
    "龘",  # no match, short
    "xyzzy",  # no match, long
    "100%",  # LIKE wildcards in the query
    "_",
    "纯",
]


@pytest.fixture
def people(make_user: Callable[..., User], member_template: Template) -> tuple[User, list[Any]]:
    admin = make_user("boss", roles.ADMIN)
    made = [
        services.create_customer(
            actor=admin,
            template=member_template,
            values={"display_name": name, "phone": f"1380013{8000 + i}"},
        )
        for i, name in enumerate(NAMES)
    ]
    return admin, made


def _found(actor: User, q: str) -> set[str]:
    page = selectors.customer_list(actor=actor, filters=selectors.CustomerFilters(q=q), limit=200)
    return {c["values"]["display_name"] for c in page.items}


def _scanned(q: str) -> set[str]:
    """What the search matched before the index: LIKE over search_text, with and without spaces."""
    text = normalise_query(q)
    condition = Q(search_text__contains=text) | Q(search_text__contains=text.replace(" ", ""))
    return set(Customer.objects.filter(condition).values_list("display_name", flat=True))


@pytest.mark.parametrize("q", QUERIES)
def test_search_finds_what_the_scan_found(q: str, people: tuple[User, list[Any]]) -> None:
    admin, _made = people
    assert _found(admin, q) == _scanned(q)


@pytest.mark.parametrize("q", ["王", "王芳", "wang", "wangfang"])
def test_dense_queries_walk_the_table_with_the_same_results(
    q: str, people: tuple[User, list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    admin, _made = people
    expected = _scanned(q)
    # every query counts as found in many rows (SQLite: by counting; PostgreSQL: by its stats)
    monkeypatch.setattr(search_index, "DENSE", 1)
    monkeypatch.setattr(search_index, "PREFETCH", 0)
    monkeypatch.setattr(search_index, "_postgres_dense", lambda text: True)
    assert _found(admin, q) == expected != set()


def test_density_is_judged_from_the_index(
    people: tuple[User, list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 王 is in two of the nine names, 龘 in none
    if connection.vendor == "postgresql":  # from the statistics ANALYZE keeps of the index
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE customers_customer")
        assert search_index._postgres_dense("王") is True
        assert search_index._postgres_dense("龘") is False
    else:  # by counting index rows, up to DENSE
        monkeypatch.setattr(search_index, "DENSE", 2)
        sql = f"SELECT customer_id FROM {search_index.TOKEN_TABLE} WHERE token = %s"
        assert search_index._dense(sql, ["王"]) is True
        assert search_index._dense(sql, ["龘"]) is False


def test_known_answers(people: tuple[User, list[Any]]) -> None:
    admin, _made = people
    assert _found(admin, "王芳") == {"王芳", "王芳芳"}
    assert _found(admin, "shanxiongxin") == {"单雄信"}
    assert _found(admin, "zengguofan") == {"曾国藩"}
    assert _found(admin, "zs") == {"張三"}
    assert _found(admin, "100%") == {"100%纯"}
    assert _found(admin, "龘") == set()


def test_index_follows_updates_anonymisation_and_deletion(
    people: tuple[User, list[Any]],
) -> None:
    admin, made = people
    zhang, wang = made[0], made[3]
    services.update_customer(
        actor=admin,
        customer_id=zhang.pk,
        values={"display_name": "赵六"},
        expected_version=zhang.version,
    )
    assert _found(admin, "张三") == set() and _found(admin, "zs") == set()
    assert _found(admin, "赵六") == {"赵六"} and _found(admin, "zhaoliu") == {"赵六"}
    assert _found(admin, "zl") == {"赵六"}

    anonymise_customers(
        list(Customer.objects.filter(pk=wang.pk)), actor=admin, cause="request", reason="test"
    )
    assert _found(admin, "王芳") == {"王芳芳"}
    assert _found(admin, "wangfang") == {"王芳芳"}

    delete_customers(list(Customer.objects.filter(pk=made[1].pk)), actor=admin, reason="test")
    assert _found(admin, "单雄信") == set() and _found(admin, "雄") == set()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for table in (search_index.TOKEN_TABLE, search_index.DOC_TABLE):
                cursor.execute(
                    f"SELECT count(*) FROM {table} WHERE customer_id = %s", [made[1].pk.hex]
                )
                assert cursor.fetchone()[0] == 0


def test_batch_created_customers_are_found(
    make_user: Callable[..., User], member_template: Template
) -> None:
    admin = make_user("boss", roles.ADMIN)
    rows = [
        {"display_name": "诸葛亮", "phone": "13800138001"},
        {"display_name": "司马懿", "phone": "13800138002"},
    ]
    services.create_customers(actor=admin, template=member_template, rows=rows)
    assert _found(admin, "zhugeliang") == {"诸葛亮"}
    assert _found(admin, "司马") == {"司马懿"}
    assert _found(admin, "smy") == {"司马懿"}


def test_rebuild_refills_the_index(people: tuple[User, list[Any]]) -> None:
    admin, _made = people
    before = {q: _found(admin, q) for q in QUERIES}
    call_command("counts", "rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert {q: _found(admin, q) for q in QUERIES} == before


def test_short_tokens_are_the_pieces_of_each_word() -> None:
    assert search_index.short_tokens("王芳 wangfang wf") == {
        "王", "芳", "王芳", "w", "a", "n", "g", "f", "wa", "an", "ng", "gf", "fa", "wf",
    }  # fmt: skip
    assert search_index.short_tokens("") == set()


def test_the_search_reads_an_index(people: tuple[User, list[Any]]) -> None:
    _admin, _made = people
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the tables are tiny: make a scan unattractive
            cursor.execute("SET LOCAL enable_seqscan = off")
        for q, index in [("王芳", "short"), ("zhugeliang", "trgm"), ("xyzzy", "trgm")]:
            if connection.vendor == "postgresql" and index == "trgm":
                # what the search runs to find the ids of a 3+ character query
                plan = Customer.objects.filter(search_text__contains=q).order_by().explain()
            else:
                plan = search_index.matching(Customer.objects.order_by(), q).explain()
            if connection.vendor == "postgresql":
                assert f"customer_search_{index}" in plan, plan
            else:
                table = search_index.TOKEN_TABLE if index == "short" else search_index.FTS_TABLE
                assert table in plan, plan


# ---- filters by name: resolved to an id first ------------------------------------------------


def test_owner_filter_by_name(
    people: tuple[User, list[Any]], make_user: Callable[..., User]
) -> None:
    admin, made = people
    nobody = make_user("nobody", roles.SALES)
    by_admin = selectors.customer_list(
        actor=admin, filters=selectors.CustomerFilters(owner="boss"), limit=200
    )
    assert len(by_admin.items) == len(made)
    assert (
        selectors.customer_list(
            actor=admin, filters=selectors.CustomerFilters(owner=nobody.username)
        ).items
        == []
    )
    mine = selectors.customer_list(actor=admin, filters=selectors.CustomerFilters(owner="me"))
    assert len(mine.items) == len(made)


@pytest.mark.parametrize(
    "filters",
    [{"owner": "no_such_user"}, {"tag": "no_such_tag"}, {"template": "no_such_template"}],
)
def test_an_unknown_name_is_an_empty_list_without_reading_customers(
    filters: dict[str, str], people: tuple[User, list[Any]]
) -> None:
    admin, _made = people
    with CaptureQueriesContext(connection) as queries:
        page = selectors.customer_list(actor=admin, filters=selectors.CustomerFilters(**filters))
    assert page.items == []
    read = [q["sql"] for q in queries.captured_queries if "customers_customer" in q["sql"]]
    assert read == []


def test_tag_and_template_filters_by_name(
    people: tuple[User, list[Any]], member_template: Template
) -> None:
    admin, made = people
    vip = services.create_tag(actor=admin, name="VIP")
    services.set_customer_tags(actor=admin, customer_id=made[2].pk, tag_ids=[vip.pk])
    for tag in ("VIP", str(vip.pk)):
        page = selectors.customer_list(actor=admin, filters=selectors.CustomerFilters(tag=tag))
        assert [c["id"] for c in page.items] == [str(made[2].pk)]
    page = selectors.customer_list(
        actor=admin, filters=selectors.CustomerFilters(template=member_template.key), limit=200
    )
    assert len(page.items) == len(made)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's index function")
@hyp_settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
@given(
    text=st.text(alphabet="王芳 张a b\u00e9x  ", max_size=12)
    # PostgreSQL text holds no NUL; UTF-8 no lone surrogate
    | st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=20)
)
def test_the_database_cuts_the_pieces_the_python_function_and_its_sql_forerunner_cut(
    text: str,
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE OR REPLACE FUNCTION pg_temp.short_tokens_sql(t text) RETURNS text[] "
            "LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT coalesce(array_agg(DISTINCT "
            "substr(w, i, n)), '{}') FROM unnest(string_to_array(t, ' ')) AS w, "
            "generate_series(1, 2) AS n, generate_series(1, length(w) - n + 1) AS i $$"
        )
        cursor.execute(
            "SELECT dossier_short_tokens(%s), pg_temp.short_tokens_sql(%s)", [text, text]
        )
        pieces, forerunner = cursor.fetchone()
    assert set(pieces) == set(forerunner) == search_index.short_tokens(text)
