"""The stages every scenario's pipeline starts with (migration ``0002`` wrote the same)."""

from __future__ import annotations

from dossier.pipeline.models import Stage
from dossier.templates.models import Scenario

#: key, 中文, English, probability (percent), kind
DEFAULT_STAGES = [
    ("lead", "线索", "Lead", 10, Stage.Kind.OPEN),
    ("qualified", "需求确认", "Qualified", 25, Stage.Kind.OPEN),
    ("proposal", "方案报价", "Proposal", 50, Stage.Kind.OPEN),
    ("negotiation", "商务谈判", "Negotiation", 75, Stage.Kind.OPEN),
    ("won", "赢单", "Won", 100, Stage.Kind.WON),
    ("lost", "输单", "Lost", 0, Stage.Kind.LOST),
]


def ensure_default_stages() -> int:
    """Give every scenario without stages the default ones; how many stages were made.

    A scenario added after the migration ran, or a database emptied by a test, gets them;
    stages an administrator renamed or re-weighed are left as they are.
    """
    have = set(Stage.objects.values_list("scenario", flat=True).distinct())
    missing = [
        Stage(
            scenario=scenario,
            key=key,
            name_zh=name_zh,
            name_en=name_en,
            position=position * 10,
            probability=probability,
            kind=kind,
        )
        for scenario in Scenario.values
        if scenario not in have
        for position, (key, name_zh, name_en, probability, kind) in enumerate(
            DEFAULT_STAGES, start=1
        )
    ]
    Stage.objects.bulk_create(missing)
    return len(missing)
