"""Realistic Chinese demo customers for the built-in templates. Pure: no Django inside.

Deterministic for a seed (``random.Random``). Values are the raw text a user would type, a
share of them untidy ("138 0013 8000", full-width digits, 1985年3月7日) as the validator
normalises them. 身份证 and 统一社会信用代码 carry correct check characters, and a person's
birthday and gender always agree with their 身份证.

Modules: ``places`` and ``vocabulary`` (what the data is made of), ``check_digits``,
``generator`` (people, companies, values as typed) and ``rows`` (one per built-in template).
"""

from dossier.site.demo_data.check_digits import id_check_digit, org_code_check, uscc_check
from dossier.site.demo_data.generator import Company, Person
from dossier.site.demo_data.places import AREAS, Area
from dossier.site.demo_data.rows import TEMPLATE_WEIGHTS, DemoData, split_count
from dossier.site.demo_data.vocabulary import INDUSTRIES, SURNAMES, TAGS

__all__ = [
    "AREAS",
    "INDUSTRIES",
    "SURNAMES",
    "TAGS",
    "TEMPLATE_WEIGHTS",
    "Area",
    "Company",
    "DemoData",
    "Person",
    "id_check_digit",
    "org_code_check",
    "split_count",
    "uscc_check",
]
