"""A seeded Chinese customer set with known duplicates, for the dedup benchmarks.

`generate(entities, seed)` returns records (dicts with the columns id, name, phone, email,
birthday, id_number, address, city, province, postcode) and the set of true duplicate pairs.
About 8,000 records for 5,000 people by default:

* one person's records (35 % of people have 1–3 more): the name as typed (simplified,
  traditional characters, pinyin surname first or last, run together or upper case, spaced
  "张 伟", now and then a homophone character); the phone reformatted (+86, 0086, dashes,
  full-width digits), changed or left out; the e-mail changed or left out; the birthday in
  another format (1990年3月7日, 1990/3/7, 19900307, full-width) or left out; the address
  changed, moved to another city or left out; the ID number (身份证, check digit valid) kept or
  left out. Every duplicate keeps at least two of phone, e-mail, ID number, birthday and
  address, so a careful person could still tell it is the same customer; many are sparse.
* hard negatives, none of them duplicates: namesakes (another person with the same name,
  everything else their own), households (a spouse, parent or child sharing the phone and
  address, same surname or not, another given name and birthday) and twins (same surname,
  birthday, phone and address, another given name, their own ID number).

Run it to write the set as CSV: ``python bench/dedup_chinese.py OUT.csv [entities]``.
"""

from __future__ import annotations

import csv
import random
import sys
import zlib
from collections.abc import Iterator
from typing import Any

import opencc
from pypinyin import lazy_pinyin
from stdnum.cn import ric

from dossier.customers.names import name_pinyin

SURNAMES = [
    *list(
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕"
        "丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴"
    ),
    "欧阳",
    "司马",
    "上官",
    "诸葛",
]
GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建文斌宇浩凯健俊帆帅旭宁龙林欣佳怡"
    "婷雪琳晨瑶子轩涵梓博思雨嘉一诗可欢海波晶颖倩璐亮飞鑫峰丹蕾薇琪悦昊然睿泽宸铭哲卫维玮威立莉力俐"
    "婧京菁敬鸣志智致忠中春纯晓小新心馨"
)
PLACES = [
    ("北京", "北京", ["朝阳区", "海淀区", "东城区"], "100", "1101"),
    ("上海", "上海", ["浦东新区", "徐汇区", "静安区"], "200", "3101"),
    ("广东", "广州", ["天河区", "越秀区", "海珠区"], "510", "4401"),
    ("广东", "深圳", ["南山区", "福田区", "宝安区"], "518", "4403"),
    ("浙江", "杭州", ["西湖区", "拱墅区", "滨江区"], "310", "3301"),
    ("江苏", "南京", ["鼓楼区", "玄武区", "建邺区"], "210", "3201"),
    ("四川", "成都", ["武侯区", "锦江区", "青羊区"], "610", "5101"),
    ("湖北", "武汉", ["江汉区", "武昌区", "洪山区"], "430", "4201"),
    ("陕西", "西安", ["雁塔区", "碑林区", "莲湖区"], "710", "6101"),
    ("天津", "天津", ["和平区", "南开区", "河西区"], "300", "1201"),
    ("重庆", "重庆", ["渝中区", "江北区", "沙坪坝区"], "400", "5001"),
    ("山东", "青岛", ["市南区", "崂山区", "李沧区"], "266", "3702"),
    ("福建", "厦门", ["思明区", "湖里区", "集美区"], "361", "3502"),
    ("湖南", "长沙", ["岳麓区", "芙蓉区", "天心区"], "410", "4301"),
    ("河南", "郑州", ["金水区", "二七区", "中原区"], "450", "4101"),
]
STREETS = list(
    [
        "建国路",
        "人民路",
        "解放路",
        "中山路",
        "和平路",
        "长江路",
        "黄河路",
        "新华路",
        "光明街",
        "朝阳路",
        "文化路",
        "学府路",
        "东风路",
        "青年路",
        "胜利街",
        "建设路",
        "团结路",
        "友谊路",
        "幸福路",
        "南京路",
    ]
)
DOMAINS = ["qq.com", "163.com", "126.com", "gmail.com", "sina.com", "outlook.com"]
_T2S = opencc.OpenCC("s2t")
_HOMOPHONES: dict[str, list[str]] = {}
for _c in GIVEN:
    _HOMOPHONES.setdefault(lazy_pinyin(_c)[0], []).append(_c)


class _Person:
    """The truth about one generated person."""

    def __init__(self, rng: random.Random, *, like: dict[str, Any] | None = None) -> None:
        self.surname = rng.choice(SURNAMES)
        self.given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        self.birthday = (rng.randint(1950, 2005), rng.randint(1, 12), rng.randint(1, 28))
        self.place = rng.choice(PLACES)
        self.address = _address(rng, self.place)
        self.phone = _phone(rng)
        self.email = _email(rng, self.surname + self.given) if rng.random() < 0.55 else ""
        self.has_id = rng.random() < 0.35
        self.sequence = rng.randint(100, 998)
        self.has = {
            k: rng.random() < p for k, p in (("phone", 0.92), ("birthday", 0.75), ("address", 0.75))
        }
        if sum(self.has.values()) + bool(self.email) + self.has_id < 3:
            self.has["phone"] = self.has["birthday"] = True
        if like:
            for key, value in like.items():
                setattr(self, key, value)

    @property
    def name(self) -> str:
        return self.surname + self.given

    def id_number(self) -> str:
        year, month, day = self.birthday
        head = f"{self.place[4]}{self.sequence % 89 + 10:02d}{year:04d}{month:02d}{day:02d}"
        body = f"{head}{self.sequence:03d}"
        return body + ric.calc_check_digit(body)


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))


def _email(rng: random.Random, name: str) -> str:
    words = name_pinyin(name)
    local = rng.choice(("".join(words), words[-1] + words[0], words[0] + "_" + "".join(words[1:])))
    return f"{local}{rng.randint(1, 9999)}@{rng.choice(DOMAINS)}"


def _address(rng: random.Random, place: tuple[Any, ...]) -> str:
    flat = (
        f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(1, 30)}0{rng.randint(1, 4)}室"
    )
    return f"{rng.choice(place[2])}{rng.choice(STREETS)}{rng.randint(1, 300)}号{flat}"


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def _phone_text(rng: random.Random, phone: str) -> str:
    return rng.choice(
        (
            phone,
            f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}",
            "0086" + phone,
            f"{phone[:3]}-{phone[3:7]}-{phone[7:]}",
            _full_width(phone),
            "+86" + phone,
        )
    )


def _birthday_text(rng: random.Random, when: tuple[int, int, int]) -> str:
    y, m, d = when
    return rng.choice(
        (
            f"{y:04d}-{m:02d}-{d:02d}",
            f"{y}年{m}月{d}日",
            f"{y}/{m}/{d}",
            f"{y:04d}{m:02d}{d:02d}",
            _full_width(f"{y}年{m}月{d}日"),
            f"{y}.{m}.{d}",
        )
    )


def _pinyin_name(person: _Person, rng: random.Random) -> str:
    words = name_pinyin(person.name)
    size = len(person.surname)
    surname, given = "".join(words[:size]).title(), "".join(words[size:]).title()
    return rng.choice(
        (
            f"{surname} {given}",
            f"{given} {surname}",
            (surname + given).lower(),
            f"{surname.upper()} {given}",
        )
    )


def _name_text(person: _Person, rng: random.Random, duplicate: bool) -> str:
    if not duplicate:
        return person.name
    roll = rng.random()
    if roll < 0.3:
        return person.name
    if roll < 0.45:
        return _T2S.convert(person.name)
    if roll < 0.75:
        return _pinyin_name(person, rng)
    if roll < 0.88:
        return person.surname + " " + person.given
    # a homophone typed for one character of the given name
    at = rng.randrange(len(person.given))
    options = [c for c in _HOMOPHONES[lazy_pinyin(person.given[at])[0]] if c != person.given[at]]
    if not options:
        return person.name
    return person.surname + person.given[:at] + rng.choice(options) + person.given[at + 1 :]


def _record(person: _Person, rng: random.Random, record_id: str, duplicate: bool) -> dict[str, str]:
    """One record of a person; a duplicate changes, reformats or leaves out some fields."""
    for _attempt in range(50):  # a person with few fields gives what it has
        kept = 0
        phone = email = birthday = id_number = address = ""
        place = person.place
        if person.has["phone"] and (not duplicate or rng.random() < 0.75):
            if duplicate and rng.random() < 0.25:
                phone = _phone(rng)  # a new number
            else:
                phone, kept = (
                    _phone_text(rng, person.phone) if duplicate else person.phone,
                    kept + 1,
                )
        if person.email and (not duplicate or rng.random() < 0.7):
            if duplicate and rng.random() < 0.3:
                email = _email(rng, person.name)
            else:
                email, kept = person.email, kept + 1
        if person.has["birthday"] and (not duplicate or rng.random() < 0.7):
            birthday, kept = _birthday_text(rng, person.birthday), kept + 1
        if person.has_id and (not duplicate or rng.random() < 0.6):
            id_number, kept = person.id_number(), kept + 1
        if person.has["address"] and (not duplicate or rng.random() < 0.8):
            roll = rng.random() if duplicate else 1.0
            if roll < 0.15:
                place = rng.choice(PLACES)  # moved to another city
                address = _address(rng, place)
            elif roll < 0.35:
                address = _address(rng, place)  # moved within the city
            else:
                address, kept = person.address, kept + 1
        if not duplicate or kept >= 2:
            break
    return {
        "id": record_id,
        "name": _name_text(person, rng, duplicate),
        "phone": phone,
        "email": email,
        "birthday": birthday,
        "id_number": id_number,
        "address": address,
        "city": place[1] + ("市" if rng.random() < 0.3 else ""),
        "province": place[0],
        "postcode": place[3] + f"{zlib.crc32(address.encode()) % 1000:03d}" if address else "",
    }


def _people(entities: int, rng: random.Random) -> Iterator[_Person]:
    made: list[_Person] = []
    for _ in range(entities):
        roll = rng.random()
        if made and roll < 0.08:  # a namesake
            other = rng.choice(made)
            person = _Person(rng, like={"surname": other.surname, "given": other.given})
        elif made and roll < 0.16:  # a household member sharing the phone and address
            other = rng.choice(made)
            person = _Person(rng)
            person.place, person.address, person.phone = other.place, other.address, other.phone
            person.has = dict(other.has)
            if rng.random() < 0.6:
                person.surname = other.surname
            while name_pinyin(person.given) == name_pinyin(other.given):
                person.given = rng.choice(GIVEN) + rng.choice(GIVEN)
        elif made and roll < 0.18:  # a twin
            other = rng.choice(made)
            person = _Person(rng)
            person.surname, person.birthday, person.place = (
                other.surname,
                other.birthday,
                other.place,
            )
            person.address, person.phone, person.has = other.address, other.phone, dict(other.has)
            person.has_id, person.sequence = other.has_id, other.sequence + 1
            while name_pinyin(person.given) == name_pinyin(other.given):
                person.given = rng.choice(GIVEN) + rng.choice(GIVEN)
        else:
            person = _Person(rng)
        made.append(person)
        if len(made) > 20_000:  # a million people need not all be remembered
            del made[:10_000]
        yield person


def iter_records(entities: int, seed: int = 15) -> Iterator[tuple[int, dict[str, str]]]:
    """(person number, record) for `entities` people, a person's records one after another."""
    rng = random.Random(seed)
    for number, person in enumerate(_people(entities, rng)):
        copies = rng.choices((0, 1, 2, 3), weights=(65, 22, 9, 4))[0]
        for k in range(copies + 1):
            yield number, _record(person, rng, f"c{number}-{k}", duplicate=k > 0)


def generate(
    entities: int = 5_000, seed: int = 15
) -> tuple[list[dict[str, str]], set[tuple[str, str]]]:
    """Records (shuffled) and true duplicate pairs (id_a < id_b) for `entities` people."""
    records: list[dict[str, str]] = []
    by_person: dict[int, list[str]] = {}
    for number, record in iter_records(entities, seed):
        records.append(record)
        by_person.setdefault(number, []).append(record["id"])
    truth = {
        (min(a, b), max(a, b)) for ids in by_person.values() for a in ids for b in ids if a < b
    }
    random.Random(seed).shuffle(records)
    return records, truth


COLUMNS = [
    "id",
    "name",
    "phone",
    "email",
    "birthday",
    "id_number",
    "address",
    "city",
    "province",
    "postcode",
]


def write_csv(path: str, records: list[dict[str, str]]) -> None:
    """The records as a CSV file the pairs command reads."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(records)


if __name__ == "__main__":
    rows, pairs = generate(int(sys.argv[2]) if len(sys.argv) > 2 else 5_000)
    write_csv(sys.argv[1], rows)
    print(f"{len(rows)} records, {len(pairs)} true pairs → {sys.argv[1]}")
