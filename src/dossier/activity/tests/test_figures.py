"""Figures kept by the services: increments add up, dates move outward, batches recount."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from dossier.activity import figures
from dossier.activity.figures import FigureSource
from dossier.activity.models import CustomerFigures
from dossier.core import roles

pytestmark = pytest.mark.django_db

JAN, MAR, JUN = (datetime(2026, m, 1, tzinfo=UTC) for m in (1, 3, 6))


@pytest.fixture
def customer(make_user: Any, make_customer: Any) -> Any:
    return make_customer(make_user("owner", roles.SALES))


@pytest.fixture
def source_rows() -> Iterator[dict[Any, dict[str, Any]]]:
    """A throw-away figure source whose 'rows' are a dict the test fills."""
    rows: dict[Any, dict[str, Any]] = {}

    def recount(ids: Sequence[Any] | None) -> dict[Any, dict[str, Any]]:
        return {pk: v for pk, v in rows.items() if ids is None or pk in ids}

    # the apps' own sources count the same columns from their tables: set them aside
    kept = dict(figures._SOURCES)
    figures._SOURCES.clear()
    figures.register_figure_source(
        FigureSource(key="test", columns=("order_count", "total_spend"), recount=recount)
    )
    yield rows
    figures._SOURCES.clear()
    figures._SOURCES.update(kept)


def test_increments_add_up_and_start_from_zero(customer: Any) -> None:
    figures.add_to_figures(customer_id=customer.pk, order_count=1, total_spend=Decimal("99.50"))
    figures.add_to_figures(customer_id=customer.pk, order_count=2, total_spend=Decimal("0.50"))
    figures.add_to_figures(customer_id=customer.pk, order_count=-1)
    row = CustomerFigures.objects.get(pk=customer.pk)
    assert (row.order_count, row.total_spend) == (2, Decimal("100.00"))
    assert row.average_order_value == Decimal("50.00")


def test_dates_only_move_outward_and_none_changes_nothing(customer: Any) -> None:
    pk = customer.pk
    figures.extend_figures(customer_id=pk, earliest={"first_purchase_at": MAR})
    figures.extend_figures(customer_id=pk, earliest={"first_purchase_at": JUN})
    figures.extend_figures(customer_id=pk, earliest={"first_purchase_at": None})
    figures.extend_figures(customer_id=pk, latest={"last_purchase_at": MAR})
    figures.extend_figures(customer_id=pk, latest={"last_purchase_at": JAN})
    figures.extend_figures(customer_id=pk, values={"last_nps": 9})
    row = CustomerFigures.objects.get(pk=pk)
    assert (row.first_purchase_at, row.last_purchase_at, row.last_nps) == (MAR, MAR, 9)
    figures.extend_figures(customer_id=pk, earliest={"first_purchase_at": JAN})
    assert CustomerFigures.objects.get(pk=pk).first_purchase_at == JAN


def test_verify_finds_drift_and_refresh_repairs_it(customer: Any, source_rows: Any) -> None:
    source_rows[customer.pk] = {"order_count": 3, "total_spend": Decimal("30.00")}
    drift = figures.verify()
    assert len(drift) == 2 and all(str(customer.pk) in line for line in drift)
    figures.refresh_figures([customer.pk], sources=["test"])
    assert figures.verify() == []
    row = CustomerFigures.objects.get(pk=customer.pk)
    assert (row.order_count, row.total_spend) == (3, Decimal("30.00"))
    # the source rows went away: refreshing puts the defaults back
    source_rows.clear()
    figures.refresh_figures([customer.pk])
    assert CustomerFigures.objects.get(pk=customer.pk).order_count == 0


def test_a_source_naming_an_unknown_column_is_refused() -> None:
    with pytest.raises(ValueError, match="no_such_column"):
        figures.register_figure_source(
            FigureSource(key="bad", columns=("no_such_column",), recount=lambda ids: {})
        )


def test_the_command_reports_drift_and_rebuild_repairs_it(customer: Any, source_rows: Any) -> None:
    from django.core.management import CommandError, call_command

    source_rows[customer.pk] = {"order_count": 1, "total_spend": Decimal("5.00")}
    with pytest.raises(CommandError, match="2 figure"):
        call_command("figures", "verify")
    call_command("figures", "rebuild")
    call_command("figures", "verify")
    assert CustomerFigures.objects.get(pk=customer.pk).order_count == 1


def test_a_batch_of_changes_adds_to_kept_rows_and_starts_missing_ones(
    customer: Any, make_user: Any, make_customer: Any
) -> None:
    other = make_customer(make_user("other", roles.SALES))
    figures.add_to_figures(customer_id=customer.pk, order_count=2, total_spend=Decimal("10.10"))
    figures.extend_figures(
        customer_id=customer.pk,
        earliest={"first_purchase_at": MAR},
        latest={"last_purchase_at": MAR},
        values={"last_nps": 7},
    )
    figures.add_to_figures_many(
        {
            customer.pk: {
                "order_count": 3,
                "total_spend": Decimal("0.20"),
                "first_purchase_at": JAN,  # earlier: moves
                "last_purchase_at": JAN,  # earlier than the last: stays
            },
            other.pk: {"order_count": 1, "first_purchase_at": JUN, "last_purchase_at": None},
        },
        earliest=["first_purchase_at"],
        latest=["last_purchase_at"],
    )
    kept = CustomerFigures.objects.get(pk=customer.pk)
    assert (kept.order_count, kept.total_spend) == (5, Decimal("10.30"))
    assert (kept.first_purchase_at, kept.last_purchase_at) == (JAN, MAR)
    assert kept.last_nps == 7  # a column the batch does not name is left alone
    new = CustomerFigures.objects.get(pk=other.pk)
    assert (new.order_count, new.total_spend, new.complaint_count) == (1, Decimal("0"), 0)
    assert (new.first_purchase_at, new.last_purchase_at) == (JUN, None)


def test_a_batch_naming_an_unknown_column_is_refused(customer: Any) -> None:
    with pytest.raises(ValueError, match="no_such_column"):
        figures.add_to_figures_many({customer.pk: {"no_such_column": 1}})
    assert not CustomerFigures.objects.filter(pk=customer.pk).exists()
