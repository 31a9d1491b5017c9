"""Templates describe themselves in English too; the built-ins installed earlier get theirs."""

from typing import Any

from django.db import migrations, models

# as in templates/builtin/*.json when this migration was written (later edits to the files
# must not change what an old migration does)
BUILTIN_DESCRIPTIONS_EN = {
    "after_sales_service": "For after-sales and customer service teams to record purchased products, warranty status and on-site service details, for repair requests, follow-up calls and satisfaction tracking.",  # noqa: E501
    "b2b_account": "For managing business customers' registration details, size, credit and payment terms and their key contacts; suited to key-account sales and customer success teams.",  # noqa: E501
    "financial_client": "For banks, brokers, fund and wealth-management firms to record client identification, risk assessments and assets, meeting suitability and anti-money-laundering requirements.",  # noqa: E501
    "marketing_contact": "For marketing teams to manage their audience: preferred channels, interests and marketing consent, for segmented campaigns with a compliance trail.",  # noqa: E501
    "real_estate_buyer": "For sales offices and estate agents to record home buyers' budget, preferred layouts, eligibility to buy and payment method, so property consultants can follow up through to subscription and contract.",  # noqa: E501
    "retail_member": "For members of stores and the online shop: membership level, points, shopping preferences and marketing consent, for member care and targeted marketing.",  # noqa: E501
    "sales_lead": "For sales teams following up prospects: needs, budget, decision-making role and follow-up plan, for lead scoring and conversion analysis.",  # noqa: E501
}


def describe_builtins(apps: Any, schema_editor: Any) -> None:
    rows = apps.get_model("templates", "Template").objects.filter(builtin=True, description_en="")
    for key, text in BUILTIN_DESCRIPTIONS_EN.items():
        rows.filter(key=key).update(description_en=text)


class Migration(migrations.Migration):
    dependencies = [
        ("templates", "0004_template_duplicate_policy"),
    ]

    operations = [
        migrations.AddField(
            model_name="template",
            name="description_en",
            field=models.TextField(blank=True, verbose_name="description (English)"),
        ),
        migrations.AlterField(
            model_name="template",
            name="description",
            field=models.TextField(blank=True, verbose_name="description (Chinese)"),
        ),
        migrations.RunPython(describe_builtins, migrations.RunPython.noop),
    ]
