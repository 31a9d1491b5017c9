"""The stages every scenario's pipeline starts with; an administrator may rename and re-weigh them.

The lists are written out here (not imported) so this step stays what it was when it ran.
"""

from django.db import migrations

SCENARIOS = [
    "sales",
    "after_sales",
    "marketing",
    "retail_member",
    "b2b_account",
    "real_estate",
    "financial",
    "other",
]
#: key, 中文, English, probability (percent), kind
STAGES = [
    ("lead", "线索", "Lead", 10, "open"),
    ("qualified", "需求确认", "Qualified", 25, "open"),
    ("proposal", "方案报价", "Proposal", 50, "open"),
    ("negotiation", "商务谈判", "Negotiation", 75, "open"),
    ("won", "赢单", "Won", 100, "won"),
    ("lost", "输单", "Lost", 0, "lost"),
]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    Stage = apps.get_model("pipeline", "Stage")
    for scenario in SCENARIOS:
        for position, (key, name_zh, name_en, probability, kind) in enumerate(STAGES, start=1):
            Stage.objects.get_or_create(
                scenario=scenario,
                key=key,
                defaults={
                    "name_zh": name_zh,
                    "name_en": name_en,
                    "position": position * 10,
                    "probability": probability,
                    "kind": kind,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
