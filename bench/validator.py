"""Validator throughput: rows a second through validate_rows and split_values.

A realistic 12-column member file (phone, e-mail, 身份证, Chinese name, birthday, gender,
city, member number, points, VIP flag, join date, note) of 50,000 rows, written the ways
spreadsheets write them (spaced and +86 phones, full-width digits, 1990年3月7日, 是/否),
with a few percent of bad values. The same rows run twice in the same process: with the
fast paths in front of the library checks, and with them switched off (the full-library
path, the baseline). The two runs must agree row for row, or the figure is not printed.

Issue 14's goal is 1,000,000 such rows validated, encrypted and loaded in 10–15 s on two
cores: this prints the share of that budget validation, splitting and encryption take (the
encryption has no switch: it reuses its cipher object either way).
"""

from __future__ import annotations

import gc
import os
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dossier.settings")
os.environ.setdefault("DOSSIER_DATA_DIR", tempfile.mkdtemp(prefix="dossier-bench-"))
os.environ.setdefault("DOSSIER_LOG_LEVEL", "ERROR")
django.setup()

from stdnum.cn import ric  # noqa: E402

from dossier.core.fields import FieldSpec, fast, validate_rows  # noqa: E402
from dossier.customers import names  # noqa: E402
from dossier.customers.models import Customer  # noqa: E402
from dossier.customers.values import split_values  # noqa: E402
from dossier.templates.core_fields import merge_specs  # noqa: E402

ROWS = int(os.environ.get("BENCH_VALIDATOR_ROWS", "50000"))
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤单区欧阳"  # noqa: E501
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅文辉玲鹏飞鑫波宇浩凯婷雪琳晨欣怡子轩梓涵一诺雨泽思彤佳琪俊杰嘉怡"  # noqa: E501
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "西安", "南京", "重庆"]
PREFIXES = ["130", "131", "135", "138", "139", "150", "151", "158", "177", "180", "186", "199"]
DOMAINS = ["qq.com", "163.com", "126.com", "gmail.com", "sina.com", "Example.COM"]


def member_specs() -> list[FieldSpec]:
    """The core fields plus the member template's own fields."""
    return merge_specs(
        [
            FieldSpec("phone", "phone", required=True, rules={"mobile_only": True}),
            FieldSpec("id_number", "cn_id_card", classification="sensitive", unique=True),
            FieldSpec("member_no", "text", unique=True, rules={"regex": r"M\d{7}"}),
            FieldSpec("points", "integer", rules={"min_value": 0, "max_value": 10_000_000}),
            FieldSpec("vip", "boolean", default=False),
            FieldSpec("joined", "date", rules={"min_value": "2000-01-01", "max_value": "today"}),
            FieldSpec("note", "long_text"),
        ]
    )


def _phone(rng: random.Random, n: int) -> str:
    digits = f"{rng.choice(PREFIXES)}{n % 10**8:08d}"
    shape = n % 10
    if shape == 0:
        return f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}"
    if shape == 1:
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    if shape == 2:
        return digits.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return digits


def _id_number(born: date, n: int) -> str:
    first17 = f"{rng_region(n)}{born:%Y%m%d}{n % 1000:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


def rng_region(n: int) -> str:
    return ("110105", "310104", "440305", "330106", "510107")[n % 5]


def row(rng: random.Random, n: int) -> dict[str, Any]:
    """One member as a spreadsheet would hold it; about 1 row in 25 has a bad value."""
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(20_000))
    number = _id_number(born, n)
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    values: dict[str, Any] = {
        "phone": _phone(rng, n),
        "email": f"user.{n}@{rng.choice(DOMAINS)}",
        "id_number": number if n % 7 else number.lower(),
        "display_name": rng.choice(SURNAMES) + given,
        "birthday": f"{born.year}年{born.month}月{born.day}日" if n % 2 else born.isoformat(),
        "gender": "男" if int(number[16]) % 2 else "女",
        "city": rng.choice(CITIES),
        "member_no": f"M{n:07d}",
        "points": str(rng.randrange(100_000)),
        "vip": rng.choice(("是", "否", "Y", "N", "1", "0")),
        "joined": (date(2010, 1, 1) + timedelta(days=n % 5000)).isoformat(),
        "note": rng.choice(("", "老客户", "喜欢周末到店", "VIP 推荐")),
    }
    broken = n % 25
    if broken == 3:
        values["phone"] = f"123{n % 10**8:08d}"  # no such mobile prefix
    elif broken == 7:
        values["email"] = f"user{n}@@example.com"
    elif broken == 11:
        values["id_number"] = number[:17] + ("0" if number[17] != "0" else "1")  # check digit
    return values


def rows(count: int, seed: int = 14) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [row(rng, n) for n in range(count)]


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    # CPU time of this process: the machine is shared, and wall time would count the others
    started = time.process_time()
    result = action()
    return time.process_time() - started, result


def _split_all(results: Sequence[Any], specs: Sequence[FieldSpec]) -> list[Any]:
    return [split_values(r.clean, specs) for r in results if r.ok]


def _seal_all(stored: Sequence[Any]) -> list[list[Any]]:
    """What the model's encrypted fields write for each row (phone, e-mail, address and the
    protected attributes, each an AES-GCM envelope)."""
    fields = [Customer._meta.get_field(name) for name in ("phone", "email", "address")]
    protected = Customer._meta.get_field("protected")
    return [
        [field.get_prep_value(values.columns.get(field.name)) for field in fields]
        + [protected.get_prep_value(values.protected)]
        for values in stored
    ]


def _run(data: list[dict[str, Any]], specs: list[FieldSpec], *, on: bool) -> dict[str, Any]:
    fast.ENABLED = on
    names.forget_readings()
    checked_for, results = _timed(lambda: validate_rows(data, specs))
    split_for, stored = _timed(lambda: _split_all(results, specs))
    sealed_for, _sealed = _timed(lambda: _seal_all(stored))
    # what this run keeps (for the comparison) is not scanned by the next run's collector
    gc.collect()
    gc.freeze()
    return {
        "validate": checked_for,
        "split": split_for,
        "seal": sealed_for,
        "results": results,
        "stored": stored,
    }


def _same(left: dict[str, Any], right: dict[str, Any]) -> bool:
    def outcome(result: Any) -> Any:
        return result.clean, [(e.field, e.code, e.params) for e in result.errors]

    if [outcome(r) for r in left["results"]] != [outcome(r) for r in right["results"]]:
        return False
    # lookups are keyed digests (deterministic); protected values are not yet encrypted here
    return [(s.columns, s.attributes, s.protected, s.lookup_rows()) for s in left["stored"]] == [
        (s.columns, s.attributes, s.protected, s.lookup_rows()) for s in right["stored"]
    ]


def main() -> None:
    specs = member_specs()
    data = rows(ROWS)
    _run(rows(500, seed=1), specs, on=True)  # warm-up: keyring, dictionaries, regexes
    full = _run(data, specs, on=False)
    quick = _run(data, specs, on=True)
    fast.ENABLED = True
    if not _same(full, quick):
        raise SystemExit("the fast paths disagree with the full checks: no figure")
    invalid = sum(1 for r in quick["results"] if not r.ok)
    print(
        f"{ROWS} rows, 12 columns, {len(specs)} fields, {invalid} rows invalid;"
        f" CPU time, load average {os.getloadavg()[0]:.1f}"
    )
    for part, name in (
        ("validate", "validate_rows"),
        ("split", "split_values"),
        ("seal", "encrypt"),
    ):
        before, after = full[part] / ROWS * 1e6, quick[part] / ROWS * 1e6
        print(
            f"{name:16s}: {ROWS / quick[part]:8.0f} rows/s  {after:6.1f} µs/row"
            f"  (full-library path {before:6.1f} µs/row; ×{before / after:.1f})"
        )
    total_before = sum(full[part] for part in ("validate", "split", "seal")) / ROWS * 1e6
    total_after = sum(quick[part] for part in ("validate", "split", "seal")) / ROWS * 1e6
    print(
        f"{'all three':16s}: {1e6 / total_after:8.0f} rows/s  {total_after:6.1f} µs/row"
        f"  (full-library path {total_before:6.1f} µs/row; ×{total_before / total_after:.1f});"
        f" 1M rows on 2 cores: {total_after / 2:.1f} s"
    )


if __name__ == "__main__":
    main()
