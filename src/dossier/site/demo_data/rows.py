"""Demo rows for the built-in templates: one customer's raw values as a user would type them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from dossier.site.demo_data.generator import Generator, Person
from dossier.site.demo_data.places import AREAS
from dossier.site.demo_data.vocabulary import (
    AGE_BANDS,
    BANKS,
    CATEGORIES,
    COMPETITORS,
    CONTACT_TITLES,
    INTERESTS,
    LEAD_DETAILS,
    LEAD_NOTES,
    MEMBER_LEVELS,
    PREFERRED_CHANNELS,
    PRODUCT_LINES,
    PRODUCTS,
    SERVICE_NOTES,
    TAGS,
    TITLES,
)

#: how the demo spreads customers over the built-in templates
TEMPLATE_WEIGHTS = {
    "retail_member": 30,
    "sales_lead": 20,
    "after_sales_service": 15,
    "b2b_account": 10,
    "marketing_contact": 10,
    "financial_client": 8,
    "real_estate_buyer": 7,
}


def split_count(total: int, weights: dict[str, int]) -> dict[str, int]:
    """``total`` shared out in proportion to ``weights`` (largest remainders; sums exactly)."""
    whole = sum(weights.values())
    shares = {key: total * weight / whole for key, weight in weights.items()}
    counts = {key: int(share) for key, share in shares.items()}
    by_remainder = sorted(weights, key=lambda key: counts[key] - shares[key])
    for key in by_remainder[: total - sum(counts.values())]:
        counts[key] += 1
    return counts


class DemoData(Generator):
    """Demo people, companies and template rows; the same seed gives the same data."""

    def tag_names(self, at_least: int = 0) -> list[str]:
        """Up to three demo tag names for one customer (most have none, or one)."""
        count = max(at_least, self.rng.choices((0, 1, 2, 3), weights=(4, 3, 2, 1))[0])
        return self.rng.sample([name for name, _group, _colour in TAGS], count)

    def row(self, template_key: str) -> dict[str, Any]:
        """One customer's raw values for the built-in template ``template_key``."""
        build = getattr(self, f"_row_{template_key}", None)
        if build is None:
            raise KeyError(f"no demo data for template {template_key!r}")
        return dict(build())

    def rows(self, template_key: str, count: int) -> list[dict[str, Any]]:
        """``count`` customers' raw values for one built-in template."""
        return [self.row(template_key) for _ in range(count)]

    def _person_core(self, p: Person, *, birthday: bool = True) -> dict[str, Any]:
        values: dict[str, Any] = {
            "kind": "person",
            "display_name": p.name,
            "gender": {"male": "男", "female": "女"}[p.gender] if self._untidy() else p.gender,
            "phone": self.phone_text(p.mobile),
            "province": p.home.province,
            "city": p.home.city,
            "district": p.home.district,
            "source": self._pick("store web app mini_program phone event referral partner"),
            "lifecycle": self._pick("lead prospect active dormant churned", (2, 2, 5, 2, 1)),
        }
        if birthday:
            values["birthday"] = self.date_text(p.born)
        if self.rng.random() < 0.6:
            values["email"] = self.email(p)
        if self.rng.random() < 0.7:
            values["address"] = self.address(p.home)
        if self.rng.random() < 0.3:
            values["title"] = self.rng.choice(TITLES)
        return values

    def _row_retail_member(self) -> dict[str, Any]:
        p = self.person()
        values = self._person_core(p)
        adult = p.born + timedelta(days=6500)
        joined = self._day_between(max(date(2015, 1, 1), adult), self.today)
        level = self._pick("regular silver gold diamond", (10, 5, 3, 1))
        spent = self.rng.uniform(50, 3000) * (1 + list(MEMBER_LEVELS).index(level)) ** 2
        low, high = (39, 45) if p.gender == "male" else (35, 40)
        store = f"{p.home.city.removesuffix('市')}{self.rng.choice(p.home.streets)}店"
        values |= {
            "member_no": self._unique(
                lambda: self.rng.choice(("M", "VIP", "HY")) + self._digits(10)
            ),
            "member_level": MEMBER_LEVELS[level] if self._untidy() else level,
            "join_date": self.date_text(joined),
            "preferred_store": store,
            "points_balance": str(self.rng.randint(0, int(spent))),
            "total_spent": self.money_text(spent),
            "last_purchase_date": self.date_text(self._day_between(joined, self.today)),
            "favourite_categories": self._some(CATEGORIES, 3),
            "clothing_size": self._pick("s m l xl xxl" if p.gender == "male" else "xs s m l xl"),
            "shoe_size": f"{self.rng.randint(low, high)}{self.rng.choice(('', '', '.5'))}",
        }
        if self.rng.random() < 0.5:
            values["wechat_id"] = self.wechat_id(p)
        return values

    def _row_sales_lead(self) -> dict[str, Any]:
        p = self.person()
        values = self._person_core(p, birthday=self.rng.random() < 0.2)
        stage = self._pick(
            "new contacted qualified proposal negotiation won lost", (4, 4, 3, 2, 2, 1, 1)
        )
        lifecycle = {"new": "lead", "won": "active", "lost": "churned"}.get(stage, "prospect")
        products = self._some(PRODUCT_LINES, 3)
        values |= {
            "company": self.company().name,
            "title": self.rng.choice(CONTACT_TITLES),
            "lifecycle": lifecycle,
            "lead_source_detail": self.rng.choice(LEAD_DETAILS),
            "sales_stage": stage,
            "interest_products": ",".join(products),
            "budget": self.money_text(self.rng.choice((5, 10, 20, 50, 100, 300)) * 10_000),
            "purchase_timeframe": self._pick(
                "within_1_month within_3_months within_6_months over_6_months undecided"
            ),
            "expected_close_date": self.date_text(self.today + timedelta(self.rng.randint(7, 180))),
            "decision_role": self._pick("decision_maker influencer evaluator purchaser user other"),
            "lead_score": self.rng.randint(10, 95),
            "next_follow_up": self.moment_text(self.today + timedelta(self.rng.randint(1, 21))),
            "follow_up_notes": self.rng.choice(LEAD_NOTES).format(c=self.rng.choice(COMPETITORS)),
        }
        if stage == "lost":
            values["lost_reason"] = self._pick(
                "price product_fit competitor timing no_budget no_response"
            )
        if self.rng.random() < 0.4:
            values["competitor"] = "、".join(self.rng.sample(COMPETITORS, 2))
        return values

    def _row_b2b_account(self) -> dict[str, Any]:
        c = self.company()
        contact = self.person()
        revenue = self.rng.choice((3, 8, 20, 50, 120, 500, 2000)) * 1_000_000
        return {
            "kind": "company",
            "display_name": c.short_name,
            "company": c.name,
            "phone": self.landline(c.area),
            "province": c.area.province,
            "city": c.area.city,
            "district": c.area.district,
            "address": self.address(c.area),
            "email": f"{self.rng.choice(('info', 'sales', 'contact', 'hr'))}@{c.domain}",
            "source": self._pick("web phone event referral partner"),
            "lifecycle": self._pick("prospect active dormant", (2, 6, 1)),
            "uscc": c.uscc.lower() if self._untidy() else c.uscc,
            "industry": c.industry,
            "employee_count": self._pick(
                "under_50 50_199 200_499 500_999 1000_4999 5000_plus", (5, 5, 3, 2, 2, 1)
            ),
            "annual_revenue": self.money_text(revenue),
            "website": ("https://www." if self.rng.random() < 0.7 else "www.") + c.domain,
            "account_tier": self._pick("strategic key standard small", (1, 3, 6, 3)),
            "payment_terms": self._pick(
                "prepaid cash_on_delivery net_30 net_60 net_90", (2, 1, 4, 2, 1)
            ),
            "credit_limit": self.money_text(revenue * self.rng.choice((0.01, 0.02, 0.05))),
            "taxpayer_type": "general" if revenue >= 5_000_000 else "small_scale",
            "billing_address": c.area.place + self.address(c.area),
            "key_contact_name": contact.name,
            "key_contact_title": self.rng.choice(CONTACT_TITLES),
            "key_contact_mobile": self.phone_text(contact.mobile),
            "key_contact_email": self.email(contact, c.domain),
        }

    def _row_financial_client(self) -> dict[str, Any]:
        p = self.person()
        values = self._person_core(p, birthday=self.rng.random() < 0.5)
        age = (self.today - p.born).days // 365
        # cards issued at 16-25 last 10 years, at 26-45 20 years, later for life (2099-12-31)
        issued = self._day_between(self._years_ago(min(age - 16, 19)), self._years_ago(0.1))
        valid_years = 10 if age < 26 else 20 if age < 46 else 0
        expires = (
            issued.replace(year=issued.year + valid_years, day=min(issued.day, 28))
            if valid_years
            else date(2099, 12, 31)
        )
        income = self.rng.choice((6, 12, 20, 36, 60, 120)) * 10_000
        assets = income * self.rng.uniform(0.5, 30)
        assessed = self._past(2)
        bank, card_prefix = self.rng.choice(BANKS)
        values |= {
            "id_number": p.id_number.lower() if self._untidy() else p.id_number,
            "id_expiry_date": self.date_text(expires),
            "occupation": self._pick(
                "employee civil_servant business_owner self_employed professional freelancer "
                "retired other"
            ),
            "kyc_date": self.date_text(self._day_between(self._years_ago(5), assessed)),
            "risk_level": self._pick("c1 c2 c3 c4 c5", (1, 3, 4, 2, 1)),
            "risk_assessment_date": self.date_text(assessed),
            "investment_experience_years": self.rng.randint(0, max(age - 20, 0)),
            "annual_income": self.money_text(income),
            "assets_under_management": self.money_text(assets),
            "is_qualified_investor": assets >= 3_000_000 or income >= 500_000,
            "bank_name": bank,
            "bank_account": card_prefix + self._digits(self.rng.choice((10, 13))),
            "tax_residency": self._pick("china_only non_resident both", (18, 1, 1)),
            "aml_risk_rating": self._pick("low medium high", (15, 4, 1)),
        }
        return values

    def _row_marketing_contact(self) -> dict[str, Any]:
        p = self.person()
        values = self._person_core(p)
        age = (self.today - p.born).days // 365
        # consent to marketing lives in the consent ledger, never in the profile
        values |= {
            "email": self.email(p),
            "preferred_channels": self._some(PREFERRED_CHANNELS, 3),
            "interests": self._some(INTERESTS, 5),
            "age_band": next(band for limit, band in AGE_BANDS if age <= limit),
            "city_tier": p.home.tier,
            "campaign_code": self.rng.choice(
                ("DOUBLE11_2024", "618-PROMO", "SPRING_NEW", "CNY2025", "WX-LIVE-07")
            ),
            "engagement_score": self.rng.randint(0, 100),
            "last_engaged_at": self.moment_text(self._past(1)),
        }
        if self.rng.random() < 0.6:
            values["wechat_id"] = self.wechat_id(p)
        return values

    def _row_real_estate_buyer(self) -> dict[str, Any]:
        p = self.person()
        values = self._person_core(p)
        age = (self.today - p.born).days // 365
        low = self.rng.choice((80, 120, 200, 300, 500, 800)) * 10_000
        values |= {
            "budget_min": self.money_text(low),
            "budget_max": self.money_text(low * self.rng.choice((1.2, 1.5, 2))),
            "preferred_layout": self._pick(
                "one_bedroom two_bedroom three_bedroom four_bedroom five_plus villa",
                (2, 5, 6, 3, 1, 1),
            ),
            "preferred_area": f"{self.rng.randint(45, 260)}{self.rng.choice(('', '.5'))}",
            "preferred_district": p.home.district,
            "purchase_purpose": self._pick(
                "own_use upgrade investment school_district other", (6, 4, 2, 3, 1)
            ),
            "first_home": self.rng.choice((True, False, "是", "否")),
            "hukou_province": self.rng.choice(AREAS).province,
            "social_security_years": self.rng.randint(0, min(30, max(age - 18, 0))),
            "payment_method": self._pick(
                "full_payment commercial_loan provident_fund_loan combination_loan", (2, 5, 2, 3)
            ),
            "annual_income": self.money_text(self.rng.choice((15, 30, 50, 80, 150)) * 10_000),
            "visit_date": self.moment_text(self._past(1)),
            "property_consultant": self.person().name,
        }
        if self.rng.random() < 0.6:
            values["id_number"] = p.id_number
        return values

    def _row_after_sales_service(self) -> dict[str, Any]:
        p = self.person()
        values = self._person_core(p, birthday=self.rng.random() < 0.3)
        kind, model = self.rng.choice(PRODUCTS)
        bought = self._day_between(self._years_ago(6), self.today - timedelta(days=7))
        until = bought + timedelta(days=365 * self.rng.choice((1, 3, 6)))
        level = (
            "out_of_warranty"
            if until < self.today
            else self._pick("standard extended premium", (6, 3, 1))
        )
        if self.rng.random() < 0.2:
            values["phone"] = self.landline(p.home)
        values |= {
            "product_model": model,
            "serial_no": self._unique(
                lambda: f"{model.split('-')[0]}-{bought:%y%m}-{self._digits(7)}"
            ),
            "purchase_date": self.date_text(bought),
            "purchase_channel": self._pick(
                "official_store official_online ecommerce dealer project other", (3, 3, 5, 2, 1, 1)
            ),
            "invoice_no": self._digits(self.rng.choice((8, 20))),
            "warranty_until": self.date_text(until),
            "service_level": level,
            "installation_address": self.address(p.home),
            "preferred_contact_time": self._pick("morning afternoon evening weekend anytime"),
            "last_service_date": self.date_text(self._day_between(bought, self.today)),
            "satisfaction_score": self.rng.choices((1, 2, 3, 4, 5), weights=(1, 1, 3, 6, 8))[0],
            "service_notes": self.rng.choice(SERVICE_NOTES).format(p=kind),
        }
        return values
