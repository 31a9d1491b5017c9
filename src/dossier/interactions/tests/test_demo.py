"""The demo's interactions: realistic, on the timeline, figures consistent, texts encrypted."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
from django.db import connection

from dossier.activity.figures import verify
from dossier.activity.models import CustomerFigures, TimelineEntry
from dossier.interactions.demo import fill_demo
from dossier.interactions.models import Interaction

pytestmark = pytest.mark.django_db


def test_the_demo_fills_interactions_with_their_timeline_and_figures(
    owner: Any, make_customer: Any
) -> None:
    customers = [make_customer(owner) for _n in range(30)]
    pairs = [(c.pk, c.owner_id) for c in customers]
    written = fill_demo(customers=pairs, users=[owner], rng=random.Random(7), per_customer=4)
    assert written == Interaction.objects.count() > 60
    assert TimelineEntry.objects.filter(kind="interaction").count() == written
    channels = Counter(Interaction.objects.values_list("channel", flat=True))
    assert {"phone", "wechat", "note"} <= set(channels)
    assert channels["phone"] > channels["social"]
    rows = list(Interaction.objects.exclude(channel="note")[:50])
    assert all(r.subject and r.notes and r.staff_id == owner.pk for r in rows)
    assert any(r.subject == "咨询退货" or r.subject == "回访满意度" for r in rows)
    notes = Interaction.objects.filter(channel="note")
    assert all(r.direction == "internal" and r.notes for r in notes)
    assert CustomerFigures.objects.filter(last_interaction_at__isnull=False).count() > 20
    assert verify() == []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT notes FROM {Interaction._meta.db_table}")
        stored = [value for (value,) in cursor.fetchall()]
    assert not any("客户" in value for value in stored)


def test_the_same_seed_gives_the_same_demo(owner: Any, make_customer: Any) -> None:
    pairs = [(c.pk, c.owner_id) for c in (make_customer(owner) for _n in range(5))]
    first = fill_demo(customers=pairs, users=[owner], rng=random.Random(3), per_customer=2)
    subjects = sorted(r.subject for r in Interaction.objects.all())
    Interaction.objects.all().delete()
    TimelineEntry.objects.all().delete()
    again = fill_demo(customers=pairs, users=[owner], rng=random.Random(3), per_customer=2)
    assert first == again and sorted(r.subject for r in Interaction.objects.all()) == subjects
