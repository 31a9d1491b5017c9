"""Move values the field-type floor now protects out of plaintext ``attributes``.

Identifier types (身份证, 统一社会信用代码, phone, e-mail, address) are personal at least,
whatever a template said. A value stored while its field was general sits in plaintext; this
moves it into the encrypted ``protected`` column, where the application now looks first.
"""

from typing import Any

from django.db import migrations


def protect_identifier_values(apps: Any, schema_editor: Any) -> None:
    # the current pure core: FieldSpec applies the floor of each field type
    from dossier.core.fields import FieldSpec
    from dossier.templates.core_fields import CORE_KEYS

    customer_model = apps.get_model("customers", "Customer")
    field_model = apps.get_model("templates", "TemplateField")
    protected_keys: dict[int, set[str]] = {}
    for row in field_model.objects.exclude(key__in=CORE_KEYS).iterator():
        spec = FieldSpec(key=row.key, type=row.type, classification=row.classification)
        if spec.classification != "general":
            protected_keys.setdefault(row.version_id, set()).add(row.key)
    for version_id, keys in protected_keys.items():
        customers = customer_model.objects.filter(
            template_version_id=version_id, attributes__has_any_keys=sorted(keys)
        )
        for customer in customers.iterator():
            moving = {k: v for k, v in customer.attributes.items() if k in keys}
            customer.attributes = {k: v for k, v in customer.attributes.items() if k not in keys}
            customer.protected = {**(customer.protected or {}), **moving}
            customer.save(update_fields=["attributes", "protected"])


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
        ("templates", "0002_lower_classification_and_decrypt_confirmation"),
    ]

    operations = [
        migrations.RunPython(protect_identifier_values, migrations.RunPython.noop),
    ]
