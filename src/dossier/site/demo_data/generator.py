"""Demo people and companies, and dates, amounts and phone numbers written as people type them."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from pypinyin import lazy_pinyin

from dossier.customers.names import name_pinyin
from dossier.site.demo_data.check_digits import id_check_digit, org_code_check, uscc_check
from dossier.site.demo_data.places import AREAS, Area
from dossier.site.demo_data.vocabulary import (
    BRAND,
    COMPOUNDS,
    FEMALE,
    FULL_WIDTH,
    INDUSTRIES,
    MAIL,
    MALE,
    MOBILE_PREFIXES,
    SURNAMES,
)


@dataclass(frozen=True)
class Person:
    name: str
    surname_pinyin: str
    given_pinyin: str
    gender: str
    born: date
    id_number: str
    home: Area
    mobile: str


@dataclass(frozen=True)
class Company:
    name: str
    short_name: str
    industry: str
    domain: str
    uscc: str
    area: Area


class Generator:
    """Demo people and companies, and values as people type them; the same seed, the same data."""

    def __init__(self, seed: int = 0, *, today: date | None = None, messy: float = 0.15) -> None:
        self.rng = random.Random(seed)
        self.today = today or date.today()
        self.messy = messy
        self._used: set[str] = set()
        self._surnames = [s for s, _w in SURNAMES]
        self._weights = [w for _s, w in SURNAMES]

    # -- small helpers ---------------------------------------------------------------------
    def _untidy(self) -> bool:
        return self.rng.random() < self.messy

    def _unique(self, make: Callable[[], str]) -> str:
        """A value from ``make`` not handed out before (IDs, serials, member numbers …)."""
        for _attempt in range(1000):
            value = make()
            if value not in self._used:
                self._used.add(value)
                return value
        raise RuntimeError("ran out of unique demo values")

    def _pick(self, options: str, weights: Sequence[int] | None = None) -> str:
        return self.rng.choices(options.split(), weights=weights)[0]

    def _some(self, options: Sequence[str], most: int) -> list[str]:
        return self.rng.sample(list(options), self.rng.randint(1, most))

    def _digits(self, count: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(count))

    def _day_between(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randint(0, max((end - start).days, 0)))

    def _years_ago(self, years: float) -> date:
        return self.today - timedelta(days=int(years * 365.25))

    def _past(self, years: float) -> date:
        """A day in the last ``years`` years, before today."""
        return self._day_between(self._years_ago(years), self.today - timedelta(days=1))

    def date_text(self, day: date) -> str:
        """A date as typed: ISO mostly, sometimes 1985/3/7, 1985年3月7日 or 19850307."""
        if not self._untidy():
            return day.isoformat()
        return self.rng.choice(
            [
                f"{day.year}/{day.month}/{day.day}",
                f"{day.year}年{day.month}月{day.day}日",
                day.strftime("%Y%m%d"),
                day.strftime("%Y.%m.%d"),
            ]
        )

    def moment_text(self, day: date) -> str:
        """A date and time of day as typed (China time, no zone)."""
        moment = datetime.combine(day, time(self.rng.randint(9, 20), self.rng.choice((0, 15, 30))))
        return moment.strftime("%Y/%m/%d %H:%M" if self._untidy() else "%Y-%m-%d %H:%M")

    def money_text(self, amount: float) -> str:
        """An amount in yuan as typed: 12800.00, sometimes ¥12,800.00 or 12800元."""
        value = round(amount, 2)
        if not self._untidy():
            return f"{value:.2f}"
        return self.rng.choice([f"¥{value:,.2f}", f"{value:.0f}元", f"{value:,.0f}"])

    def phone_text(self, number: str) -> str:
        """An 11-digit mobile as typed: plain, grouped, +86, or in full-width digits."""
        if not self._untidy():
            return number
        grouped = f"{number[:3]} {number[3:7]} {number[7:]}"
        return self.rng.choice(
            [grouped, grouped.replace(" ", "-"), f"+86 {grouped}", number.translate(FULL_WIDTH)]
        )

    # -- people and companies --------------------------------------------------------------
    def mobile(self) -> str:
        """A unique 11-digit mobile number with a real carrier prefix."""
        return self._unique(lambda: self.rng.choice(MOBILE_PREFIXES) + self._digits(8))

    def landline(self, area: Area) -> str:
        """A fixed-line number in the area, written 0571-88886666."""
        rest = str(self.rng.randint(2, 8)) + self._digits(area.landline_digits - 1)
        return f"{area.phone_prefix}-{rest}"

    def id_card(self, area: Area, born: date, gender: str) -> str:
        """A unique, valid 18-digit 身份证 number (odd sequence digit for men)."""

        def make() -> str:
            sequence = self.rng.randrange(0, 1000)
            if (sequence % 2 == 1) != (gender == "male"):
                sequence = (sequence + 1) % 1000
            body = f"{area.code}{born:%Y%m%d}{sequence:03d}"
            return body + id_check_digit(body)

        return self._unique(make)

    def person(self) -> Person:
        """Someone with a name, gender, birth date and a 身份证 that agrees with both."""
        surname = self.rng.choices(self._surnames, weights=self._weights)[0]
        gender = self.rng.choice(("male", "female"))
        chars = MALE if gender == "male" else FEMALE
        given = "".join(self.rng.choice(chars) for _ in range(self.rng.choice((1, 2, 2))))
        age = self.rng.triangular(18.1, 75, 33)
        born = self._years_ago(age) - timedelta(days=self.rng.randint(0, 300))
        home = self.rng.choice(AREAS)
        birthplace = home if self.rng.random() < 0.7 else self.rng.choice(AREAS)
        return Person(
            name=surname + given,
            surname_pinyin="".join(name_pinyin(surname)),
            given_pinyin="".join(lazy_pinyin(given)),
            gender=gender,
            born=born,
            id_number=self.id_card(birthplace, born, gender),
            home=home,
            mobile=self.mobile(),
        )

    def email(self, person: Person, domain: str = "") -> str:
        """A pinyin e-mail address (or a QQ number one), at ``domain`` for work addresses."""
        surname, given = person.surname_pinyin, person.given_pinyin
        if domain:
            local = f"{given}.{surname}" if self.rng.random() < 0.5 else surname + given
            return f"{local}@{domain}"
        if self.rng.random() < 0.25:
            return f"{self.rng.randint(10000, 3999999999)}@qq.com"
        local = self.rng.choice(
            [
                f"{given}{surname}{self.rng.randint(1, 99)}",
                f"{surname}.{given}",
                f"{surname}{given}{person.born:%y}",
            ]
        )
        return f"{local}@{self.rng.choice(MAIL)}"

    def wechat_id(self, person: Person) -> str:
        text = (person.surname_pinyin + person.given_pinyin)[:12]
        return text + self.rng.choice(("", "_", "-")) + self._digits(4)

    def address(self, area: Area) -> str:
        """A street address in the area (without province and city), as on a delivery note."""
        street = self.rng.choice(area.streets)
        if self.rng.random() < 0.5:
            return f"{area.district}{street}{self.rng.randint(1, 999)}号"
        compound = self.rng.choice(COMPOUNDS)
        building, unit = self.rng.randint(1, 30), self.rng.randint(1, 4)
        room = f"{self.rng.randint(1, 32)}0{self.rng.randint(1, 4)}"
        return f"{area.district}{street}{compound}{building}栋{unit}单元{room}室"

    def uscc(self, area: Area) -> str:
        """A unique, valid 统一社会信用代码 of an enterprise (91…) registered in ``area``."""

        def make() -> str:
            org = self._digits(8)
            body = f"91{area.code}{org}{org_code_check(org)}"
            return body + uscc_check(body)

        return self._unique(make)

    def company(self) -> Company:
        """A company named 城市 + 字号 + 行业 + 有限公司, with its domain and credit code."""
        area = self.rng.choice(AREAS)
        words, short, industry, slug = self.rng.choice(INDUSTRIES)
        city = area.city.removesuffix("市") if self.rng.random() < 0.6 else area.city
        suffix = self.rng.choices(("有限公司", "有限责任公司", "股份有限公司"), (7, 2, 1))[0]
        brand = ""

        def make() -> str:
            nonlocal brand
            brand = "".join(self.rng.sample(BRAND, 2))
            return f"{city}{brand}{words}{suffix}"

        name = self._unique(make)
        domain = "".join(lazy_pinyin(brand)) + self.rng.choice(("", "-" + slug, slug))
        domain += self.rng.choice((".com", ".com.cn", ".cn"))
        return Company(name, brand + short, industry, domain, self.uscc(area), area)
