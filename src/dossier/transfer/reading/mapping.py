"""Header → field suggestions from keys, labels and common Chinese/English synonyms."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

#: field key -> what spreadsheets call it (compared after :func:`normalise_header`)
SYNONYMS: dict[str, tuple[str, ...]] = {
    key: tuple(words.split())
    for key, words in {
        "phone": "手机 手机号 手机号码 联系电话 电话 电话号码 联系方式 移动电话 "
        "mobile phone mobilephone cellphone tel telephone phonenumber",
        "display_name": "姓名 客户名称 客户姓名 名称 客户 名字 name fullname customername",
        "birthday": "生日 出生日期 出生年月日 birthday birthdate dateofbirth dob",
        "id_number": "身份证 身份证号 身份证号码 证件号 证件号码 idnumber idno idcard",
        "email": "邮箱 电子邮箱 电子邮件 邮件 email mail emailaddress",
        "gender": "性别 gender sex",
        "province": "省 省份 所在省 province",
        "city": "市 城市 所在城市 city",
        "district": "区 区县 县区 district county",
        "address": "地址 详细地址 联系地址 住址 address",
        "company": "公司 公司名称 单位 工作单位 企业名称 company organization",
        "title": "职位 职务 头衔 title position jobtitle",
        "lifecycle": "客户阶段 生命周期 lifecycle stage",
        "member_no": "会员号 会员编号 会员卡号 memberno membernumber",
        "external_id": "外部编号 客户编号 客户编码 externalid customerid",
        "tags": "标签 tags tag",
        "source": "来源 客户来源 source",
        "notes": "备注 说明 note notes remark remarks",
        "points": "积分 会员积分 当前积分 points",
        "points_balance": "积分 积分余额 会员积分 当前积分 points balance pointsbalance",
        "member_level": "会员等级 等级 级别 memberlevel level tier",
        "join_date": "入会日期 注册日期 开卡日期 joindate joined registered",
    }.items()
}

# brackets and what they hold: "手机号（必填）", "Phone (mobile)", "【生日】"
_BRACKETED = re.compile(r"[(\[{（【〔][^)\]}）】〕]*[)\]}）】〕]")


def normalise_header(text: str) -> str:
    """Comparable form: NFKC (full-width → half-width), casefolded, bracketed notes, spaces,
    punctuation and symbols removed (``"手机号码（必填）*"`` → ``"手机号码"``)."""
    text = unicodedata.normalize("NFKC", text)
    without_notes = _BRACKETED.sub("", text)
    if without_notes.strip():
        text = without_notes  # a header that is all brackets keeps its content
    return "".join(char for char in text.casefold() if unicodedata.category(char)[0] not in "PSZC")


@dataclass
class MappingPlan:
    """Suggested field per column, and the headers that lost to an earlier claim."""

    by_column: list[str | None]
    #: (1-based column, header, field it would have taken, column that holds the field)
    conflicts: list[tuple[int, str, str, int]] = field(default_factory=list)

    def as_dict(self, headers: Iterable[str]) -> dict[str, str | None]:
        result: dict[str, str | None] = {}
        for header, key in zip(headers, self.by_column, strict=True):
            result.setdefault(header, key)  # a duplicated header: its first column
        return result


def plan_mapping(
    headers: Iterable[str],
    field_keys: Iterable[str],
    *,
    labels: Mapping[str, Iterable[str]] | None = None,
) -> MappingPlan:
    """Suggest a field for every column; never two columns for one field.

    Matches are tried in rounds over all columns: the field key itself, then the
    template's labels (``labels[key]``, e.g. its zh-Hans and English label), then
    :data:`SYNONYMS`. So a column named exactly ``phone`` beats an earlier ``电话``
    column; within a round the leftmost column wins and later ones are reported.
    """
    headers = list(headers)
    names = [normalise_header(header) for header in headers]
    keys = list(field_keys)
    rounds: list[dict[str, str]] = [{normalise_header(key): key for key in keys}, {}, {}]
    for key in keys:
        for label in (labels or {}).get(key, ()):
            rounds[1].setdefault(normalise_header(label), key)
        for synonym in SYNONYMS.get(key, ()):
            rounds[2].setdefault(normalise_header(synonym), key)
    by_column: list[str | None] = [None] * len(names)
    taken: dict[str, int] = {}
    conflicts: list[tuple[int, str, str, int]] = []
    for lookup in rounds:
        for index, name in enumerate(names):
            found = lookup.get(name) if name else None
            if found is None or by_column[index] is not None:
                continue
            if found in taken:
                if all(c[0] != index + 1 for c in conflicts):
                    conflicts.append((index + 1, headers[index], found, taken[found] + 1))
                continue
            taken[found] = index
            by_column[index] = found
    # a column that found its own field in a later round is no conflict any more
    conflicts = [c for c in conflicts if by_column[c[0] - 1] is None]
    return MappingPlan(by_column, sorted(conflicts))


def suggest_mapping(
    headers: Iterable[str],
    field_keys: Iterable[str],
    *,
    labels: Mapping[str, Iterable[str]] | None = None,
) -> dict[str, str | None]:
    """``{header: field key or None}``; see :func:`plan_mapping` for conflicts."""
    headers = list(headers)
    return plan_mapping(headers, field_keys, labels=labels).as_dict(headers)
