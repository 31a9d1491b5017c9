"""Chinese addresses split into province / city / district + detail, by the cpca library. Pure.

cpca carries the national region code table (GB/T 2260 adcodes) and matches names and their
short forms ("广东" for 广东省, "内蒙古" for 内蒙古自治区). It always answers with something;
this module decides when the answer is sure enough to suggest, and reports the rest.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from dossier.core.fields.base import fold_width

#: problems of an address that is reported instead of split
EMPTY, NO_REGION, TOO_VAGUE, AMBIGUOUS = "empty", "no_region", "too_vague", "ambiguous"
#: text before the region ("Tower A, 上海市…"): the split would drop it
TEXT_BEFORE = "text_before_region"

_SPACES = re.compile(r"\s+")
_LATIN = re.compile(r"[A-Za-z0-9]")

# cpca's placeholders for what sits between a province and its counties
_MUNICIPAL = {"市辖区", "县"}  # the districts and counties of 北京, 上海, 天津, 重庆
_DIRECT = {"省直辖县级行政区划", "自治区直辖县级行政区划"}  # 仙桃市, 琼海市, 石河子市 …


@cache
def _table() -> tuple[Any, Counter[str], set[str]]:
    """cpca (loaded on first use: it reads its table and pandas, about a second), how many
    regions carry each name, and the cities that have no county under them."""
    import cpca

    regions = cpca.ad_2_addr_dict.values()
    counted = Counter(region.name for region in regions)
    with_counties = {r.adcode[:4] for r in regions if r.rank == 2}
    bare = {r.adcode[:4] for r in regions if r.rank == 1} - with_counties
    return cpca, counted, bare


def _transform(texts: Sequence[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        _table()[0].transform(list(texts), pos_sensitive=True).to_dict("records")
    )
    return rows


def _name_count(name: str) -> int:
    return _table()[1][name]


@dataclass(frozen=True)
class Address:
    """An address split into its parts (canonical names), or the reason it could not be."""

    province: str = ""
    city: str = ""
    district: str = ""
    detail: str = ""
    adcode: str = ""
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _position(value: Any) -> int:
    return -1 if value is None or (isinstance(value, float) and math.isnan(value)) else int(value)


def tidy_spaces(text: str) -> str:
    """Spaces (of every width) dropped next to Chinese text, runs of them made one, ends cut."""
    text = text.strip()

    def one(match: re.Match[str]) -> str:
        # a space matters only between Latin letters or digits ("Tower A"); beside Chinese
        # text it is a slip
        before, after = text[match.start() - 1], text[match.end()]
        return " " if _LATIN.match(before) and _LATIN.match(after) else ""

    return _SPACES.sub(one, text)


def clean_text(text: str) -> str:
    """Full-width forms folded and stray spaces removed (kept between Latin words: "Tower A")."""
    return tidy_spaces(fold_width(text))


def _judge(text: str, row: dict[str, Any]) -> Address:
    province, city, district = _text(row["省"]), _text(row["市"]), _text(row["区"])
    adcode = _text(row["adcode"])
    if not adcode:
        return Address(problem=NO_REGION)
    # the first name found decides the rest: when it is a county's or city's name that
    # several regions share ("朝阳区": Beijing's and Changchun's), cpca's pick is a guess
    found = [p for p in map(_position, (row["省_pos"], row["市_pos"], row["区_pos"])) if p >= 0]
    if found and min(found) > 0:
        return Address(problem=TEXT_BEFORE)
    if _position(row["省_pos"]) < 0:
        first = city if _position(row["市_pos"]) >= 0 else district
        if _name_count(first) > 1:
            return Address(problem=AMBIGUOUS)
    direct = city in _DIRECT
    if city in _MUNICIPAL:
        city = province
    elif direct:
        city, district = district, ""
    has_counties = adcode[:4] not in _table()[2]
    if not city or (not district and not direct and has_counties):
        return Address(problem=TOO_VAGUE)
    detail = _text(row["地址"]).strip(" ,，、-")
    return Address(province, city, district, detail, adcode[:6])


def parse_addresses(texts: Sequence[str]) -> list[Address]:
    """Each text split into its parts, in order; those not surely parsed carry a problem."""
    cleaned = [clean_text(t) for t in texts]
    wanted = [t for t in cleaned if t]
    found = iter(_transform(wanted) if wanted else [])
    return [_judge(t, next(found)) if t else Address(problem=EMPTY) for t in cleaned]


def parse_address(text: str) -> Address:
    """One text split into its parts (see :func:`parse_addresses`)."""
    return parse_addresses([text])[0]


def canonical_province(name: str) -> str:
    """The table's name of a province written short or with stray spaces ("广东" → "广东省").

    "" when the name is not exactly one province.
    """
    text = clean_text(name)
    if not text:
        return ""
    row = _transform([text])[0]
    whole = _position(row["省_pos"]) == 0 and _position(row["市_pos"]) < 0
    if not whole or _text(row["地址"]) or _position(row["区_pos"]) >= 0:
        return ""
    return _text(row["省"])


def canonical_city(name: str, province: str = "") -> str:
    """The table's name of a city ("深圳" → "深圳市"; "北京" → "北京市"), within ``province``.

    "" when the name is not exactly one city there.
    """
    text = clean_text(name)
    if not text:
        return ""
    state = canonical_province(province) if province else ""
    if state and canonical_province(text) == state and state.endswith("市"):
        return state  # a municipality is its own city
    row = _transform([state + text])[0]
    if _text(row["地址"]) or _position(row["区_pos"]) >= 0 or _position(row["市_pos"]) < 0:
        return ""
    if not state and _name_count(_text(row["市"])) > 1:
        return ""
    return _text(row["市"])
