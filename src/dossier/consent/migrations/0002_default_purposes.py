"""The purposes every deployment starts with; an administrator may change their flags later."""

from django.db import migrations

DEFAULTS = [
    {
        "key": "marketing",
        "name_zh": "营销推广",
        "name_en": "Marketing",
        "description_zh": "向您发送产品、优惠与活动信息。",
        "description_en": "Sending you news about products, offers and events.",
        "position": 10,
    },
    {
        "key": "service_notices",
        "name_zh": "服务通知",
        "name_en": "Service notices",
        "description_zh": "与您的订单、预约和售后服务相关的通知。",
        "description_en": "Notices about your orders, appointments and after-sales service.",
        "position": 20,
    },
    {
        "key": "sensitive_data_processing",
        "name_zh": "敏感个人信息处理",
        "name_en": "Processing of sensitive personal information",
        "description_zh": (
            "处理身份证件号码、金融账户等敏感个人信息（《个人信息保护法》第二十九条，单独同意）。"
        ),
        "description_en": (
            "Processing sensitive personal information such as ID numbers and financial "
            "accounts (separate consent, PIPL art. 29)."
        ),
        "sensitive_data": True,
        "per_channel": False,
        "position": 30,
    },
    {
        "key": "third_party_sharing",
        "name_zh": "向第三方提供",
        "name_en": "Sharing with third parties",
        "description_zh": (
            "向其他个人信息处理者提供您的个人信息（《个人信息保护法》第二十三条，单独同意）。"
        ),
        "description_en": (
            "Providing your personal information to other handlers (separate consent, "
            "PIPL art. 23)."
        ),
        "per_channel": False,
        "position": 40,
    },
]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    Purpose = apps.get_model("consent", "Purpose")
    for values in DEFAULTS:
        Purpose.objects.get_or_create(key=values["key"], defaults=values)


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
