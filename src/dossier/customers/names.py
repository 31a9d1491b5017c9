"""Chinese names for search: simplified forms, pinyin with surname readings, initials. Pure."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc
from pypinyin import lazy_pinyin
from pypinyin.constants import RE_HANS
from pypinyin.seg import mmseg

from dossier.core.fields import fast

# pypinyin gives a character's common reading; as a surname many read differently.
SURNAME_READINGS: dict[str, list[str]] = {
    "单": ["shan"],
    "曾": ["zeng"],
    "解": ["xie"],
    "仇": ["qiu"],
    "区": ["ou"],
    "查": ["zha"],
    "朴": ["piao"],
    "盖": ["ge"],
    "华": ["hua"],
    "乐": ["yue"],
    "缪": ["miao"],
    "覃": ["qin"],
    "秘": ["bi"],
    "召": ["shao"],
    "种": ["chong"],
    "翟": ["zhai"],
    "祭": ["zhai"],
    "员": ["yun"],
    "隗": ["wei"],
    "繁": ["po"],
    "重": ["chong"],
    "那": ["na"],
    "宿": ["su"],
    "纪": ["ji"],
    "费": ["fei"],
    "殷": ["yin"],
    "黑": ["he"],
    "卜": ["bu"],
    "薄": ["bo"],
    "句": ["gou"],
    "逄": ["pang"],
    "冼": ["xian"],
    "藏": ["zang"],
    "贲": ["ben"],
    "阚": ["kan"],
    "柏": ["bai"],
    "尉": ["wei"],
    "长": ["chang"],
    "沈": ["shen"],
    "万": ["wan"],
    "折": ["she"],
    "厍": ["she"],
    "瞿": ["qu"],
    "相": ["xiang"],
    "弗": ["fu"],
    "都": ["du"],
    "郇": ["xun"],
    "能": ["nai"],
    "尉迟": ["yu", "chi"],
    "万俟": ["mo", "qi"],
    "长孙": ["zhang", "sun"],
    "单于": ["chan", "yu"],
    "欧阳": ["ou", "yang"],
    "司马": ["si", "ma"],
    "上官": ["shang", "guan"],
    "诸葛": ["zhu", "ge"],
    "东方": ["dong", "fang"],
    "皇甫": ["huang", "fu"],
    "公孙": ["gong", "sun"],
    "慕容": ["mu", "rong"],
    "宇文": ["yu", "wen"],
    "司徒": ["si", "tu"],
    "夏侯": ["xia", "hou"],
    "令狐": ["ling", "hu"],
    "澹台": ["tan", "tai"],
    "轩辕": ["xuan", "yuan"],
    "端木": ["duan", "mu"],
    "呼延": ["hu", "yan"],
}
_COMPOUND = sorted((s for s in SURNAME_READINGS if len(s) > 1), key=len, reverse=True)
#: the lengths of compound surnames, longest first: a name's compound surname is its first
#: few characters found in the table, tried longest first (two of one length cannot both fit)
_COMPOUND_SET = frozenset(_COMPOUND)
_COMPOUND_LENGTHS = sorted({len(s) for s in _COMPOUND}, reverse=True)
_HAN = re.compile(r"[\u3400-\u9fff]")


@lru_cache(maxsize=1)
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Traditional characters to simplified, full-width to half-width, lower case."""
    return _to_simplified().convert(unicodedata.normalize("NFKC", text)).lower()


#: what pypinyin's segmenter takes as the start of a word: text in which no two neighbouring
#: characters are one is read character by character, whatever the words around it. (Its own
#: set, so words loaded into pypinyin later count too; without it, pypinyin reads every name.)
_WORD_STARTS = getattr(mmseg.seg, "_prefix_set", None)
#: distinct names and characters a process remembers the readings of (a few MB at most)
NAME_CACHE = 20_000
CHARACTER_CACHE = 30_000


@lru_cache(maxsize=CHARACTER_CACHE)
def _character_reading(character: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(character))


def _reading(text: str) -> list[str]:
    """``lazy_pinyin(text)``; put together from cached character readings when the text is
    Chinese characters only and no two neighbours could start one of pypinyin's words (then
    pypinyin itself reads it character by character)."""
    if not (fast.ENABLED and _WORD_STARTS is not None and RE_HANS.fullmatch(text)) or any(
        text[at : at + 2] in _WORD_STARTS for at in range(len(text) - 1)
    ):
        return lazy_pinyin(text)
    return [syllable for character in text for syllable in _character_reading(character)]


def name_pinyin(name: str) -> list[str]:
    """The pinyin syllables of a person's name, the surname read as a surname."""
    return _name_syllables(simplified(name).strip())


def _name_syllables(name: str) -> list[str]:
    surname = next(
        (name[:size] for size in _COMPOUND_LENGTHS if name[:size] in _COMPOUND_SET), name[:1]
    )
    if surname in SURNAME_READINGS and _HAN.match(name):
        return SURNAME_READINGS[surname] + _reading(name[len(surname) :])
    return _reading(name)


SORT_NAME_LENGTH = 120


def search_terms(name: str, *, person: bool = True, extra: str = "") -> str:
    """The text a name search matches: simplified name, full pinyin and initials.

    张三 → "张三 zhangsan zs"; 單雄信 → "单雄信 shanxiongxin sxx".
    """
    return name_keys(name, person=person, extra=extra)[0]


def sort_name(name: str, *, person: bool = True) -> str:
    """The key a list sorts names by: pinyin syllables (surname readings), then the name.

    张三 → "zhang san 张三", 曾伟 → "zeng wei 曾伟", Alice → "alice": Chinese names fall
    among Latin ones in pinyin order, as a Chinese address book sorts them.
    """
    return name_keys(name, person=person, extra="")[1]


def name_keys(name: str, *, person: bool = True, extra: str = "") -> tuple[str, str]:
    """``(search_terms, sort_name)``, worked out from one reading of the name."""
    if fast.ENABLED:
        return _remembered_keys(name, person, extra)
    return _name_keys(name, person, extra)


@lru_cache(maxsize=NAME_CACHE)
def _remembered_keys(name: str, person: bool, extra: str) -> tuple[str, str]:
    # names repeat (张伟, 王芳 …); the answer depends on the arguments alone
    return _name_keys(name, person, extra)


def forget_readings() -> None:
    """Empty the caches of readings (the benchmark starts each run cold)."""
    _remembered_keys.cache_clear()
    _character_reading.cache_clear()


def _name_keys(name: str, person: bool, extra: str) -> tuple[str, str]:
    plain = simplified(name).strip()
    syllables = _name_syllables(plain) if person else _reading(plain)
    words = [s for s in syllables if s.strip()]
    full = "".join(words).replace(" ", "")
    han = _HAN.search(plain) is not None
    initials = "".join(w[0] for w in words if w) if han else ""
    parts = [plain, full.lower()]
    if initials:
        parts.append(initials.lower())
    if extra:
        parts.append(simplified(extra))
    spoken = " ".join(w.strip().lower() for w in words)
    order = f"{spoken} {plain}" if han else plain.lower()
    return " ".join(p for p in parts if p), order[:SORT_NAME_LENGTH]


def normalise_query(query: str) -> str:
    """A search box query in the same form as :func:`search_terms` (spaces removed for pinyin)."""
    return simplified(query).strip()
