"""Realistic Chinese demo customers for the built-in templates. Pure: no Django inside.

Deterministic for a seed (``random.Random``). Values are the raw text a user would type, a
share of them untidy ("138 0013 8000", full-width digits, 1985年3月7日) as the validator
normalises them. 身份证 and 统一社会信用代码 carry correct check characters, and a person's
birthday and gender always agree with their 身份证.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from pypinyin import lazy_pinyin

from dossier.customers.names import name_pinyin


@dataclass(frozen=True)
class Area:
    """A county-level area (GB/T 2260 code) with its phone area code and a few streets."""

    code: str
    province: str
    city: str
    district: str
    phone_prefix: str
    tier: str  # marketing_contact's city_tier choice
    streets: tuple[str, ...]
    landline_digits: int = 8

    @property
    def place(self) -> str:
        """Province and city as written before an address (北京市, not 北京市北京市)."""
        return self.city if self.city == self.province else self.province + self.city


def _area(code: str, names: str, prefix: str, tier: str, streets: str, digits: int = 8) -> Area:
    province, city, district = names.split()
    return Area(code, province, city, district, prefix, tier, tuple(streets.split()), digits)


def _words(text: str) -> list[str]:
    return text.split()


AREAS = [
    _area("110105", "北京市 北京市 朝阳区", "010", "tier1", "建国路 朝阳北路 望京街 酒仙桥路"),
    _area("110108", "北京市 北京市 海淀区", "010", "tier1", "中关村大街 学院路 知春路"),
    _area("310104", "上海市 上海市 徐汇区", "021", "tier1", "漕溪北路 肇嘉浜路 衡山路"),
    _area("310115", "上海市 上海市 浦东新区", "021", "tier1", "世纪大道 张杨路 陆家嘴环路"),
    _area("440305", "广东省 深圳市 南山区", "0755", "tier1", "科技园南路 深南大道 后海大道"),
    _area("440106", "广东省 广州市 天河区", "020", "tier1", "天河路 体育西路 黄埔大道西"),
    _area("330106", "浙江省 杭州市 西湖区", "0571", "new_tier1", "文三路 天目山路 古墩路"),
    _area("510107", "四川省 成都市 武侯区", "028", "new_tier1", "人民南路四段 科华北路 高升桥路"),
    _area("320106", "江苏省 南京市 鼓楼区", "025", "new_tier1", "中山北路 湖南路 广州路"),
    _area("320508", "江苏省 苏州市 姑苏区", "0512", "new_tier1", "人民路 干将西路 十全街"),
    _area("420106", "湖北省 武汉市 武昌区", "027", "new_tier1", "中南路 武珞路 中北路"),
    _area("500103", "重庆市 重庆市 渝中区", "023", "new_tier1", "民权路 中山三路 大坪正街"),
    _area("610113", "陕西省 西安市 雁塔区", "029", "new_tier1", "小寨东路 长安南路 高新路"),
    _area("370202", "山东省 青岛市 市南区", "0532", "new_tier1", "香港中路 山东路 东海西路"),
    _area("120101", "天津市 天津市 和平区", "022", "new_tier1", "南京路 滨江道 营口道"),
    _area("430104", "湖南省 长沙市 岳麓区", "0731", "new_tier1", "麓山南路 枫林三路 金星中路"),
    _area("410105", "河南省 郑州市 金水区", "0371", "new_tier1", "花园路 经三路 农业路"),
    _area("350203", "福建省 厦门市 思明区", "0592", "tier2", "湖滨南路 厦禾路 鹭江道", 7),
    _area("530102", "云南省 昆明市 五华区", "0871", "tier2", "人民中路 青年路 学府路"),
    _area("210106", "辽宁省 沈阳市 铁西区", "024", "tier2", "兴华北街 北二中路 建设中路"),
    _area("130102", "河北省 石家庄市 长安区", "0311", "tier2", "中山东路 建设北大街 育才街"),
    _area("450103", "广西壮族自治区 南宁市 青秀区", "0771", "tier2", "民族大道 东葛路", 7),
    _area("330782", "浙江省 金华市 义乌市", "0579", "tier3", "稠州北路 工人北路 宾王路"),
]

# Per mille of the population (2020 household register), the rest spread over rarer names.
_SURNAMES = (
    "王71 李70 张67 刘51 陈46 杨32 黄24 赵22 吴20 周20 徐17 孙15 马15 朱14 胡13 郭13 何12 "
    "林11 高11 罗11 郑10 梁10 谢8 宋8 唐8 许7 韩7 冯7 邓7 曹7 彭6 曾6 肖6 田6 董5 潘5 袁5 蔡5 "
    "蒋5 余5 于5 杜5 叶5 程5 魏4 苏4 吕4 丁4 任4 卢4 姚4 沈4 钟4 姜4 崔4 谭4 陆3 范3 汪3 廖3 "
    "石3 金3 贾3 夏3 付3 方3 邹3 熊3 白3 孟3 秦3 邱3 侯3 江3 尹2 薛2 段2 雷2 龙2 黎2 史2 陶2 "
    "贺2 毛2 郝2 顾2 龚2 邵2 万2 覃2 武2 钱2 戴2 严2 莫2 孔2 单1 仇1 区1 解1 查1 朴1 翟1 "
    "欧阳1 司马1 上官1 诸葛1 东方1 皇甫1 慕容1 令狐1"
)
SURNAMES = [(m[1], int(m[2])) for m in re.finditer(r"(\D+?)(\d+)\s*", _SURNAMES)]
_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林阳建国峰晨博文志昊睿轩泽宸铭诚嘉毅"
_FEMALE = "芳娜敏静丽艳娟霞秀燕玲桂丹萍红婷雪琳晶颖倩慧莹洁佳欣怡梦雨璐瑶萱涵诗悦琪彤妍蕾薇晓思月"
_MOBILE_PREFIXES = _words(
    "139 138 137 136 135 158 159 150 151 152 182 187 188 130 131 132 155 156 185 186 "
    "133 153 180 181 189 177 173 199 191 166 176"
)
_MAIL = ("qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "outlook.com", "gmail.com")
_BRAND = "华盛鑫宏达恒瑞泰德源信嘉博锐远航创新天启明正通联云帆智合邦晟科蓝海峰越"
# (industry words in the name, short form, b2b_account industry, domain slug)
INDUSTRIES = [
    ("网络科技", "科技", "it", "tech"),
    ("信息技术", "信息", "it", "it"),
    ("电子科技", "电子", "manufacturing", "elec"),
    ("智能制造", "智造", "manufacturing", "mfg"),
    ("机械设备", "机械", "manufacturing", "machinery"),
    ("商贸", "商贸", "retail", "trade"),
    ("供应链管理", "供应链", "logistics", "scm"),
    ("物流", "物流", "logistics", "logistics"),
    ("生物医药", "医药", "healthcare", "bio"),
    ("医疗器械", "医疗", "healthcare", "medical"),
    ("教育咨询", "教育", "education", "edu"),
    ("建筑工程", "建工", "construction", "build"),
    ("新能源", "新能源", "energy", "energy"),
    ("投资管理", "投资", "finance", "capital"),
    ("管理咨询", "咨询", "professional_services", "consulting"),
    ("文化传媒", "传媒", "other", "media"),
]
_COMPOUNDS = _words("阳光花园 锦绣家园 翠苑 金色家园 世纪新城 碧水湾 华府 南苑小区 东方名城 御景园")
_TITLES = _words(
    "经理 工程师 教师 医生 会计 设计师 销售主管 产品经理 行政专员 采购经理 IT总监 "
    "财务总监 总经理 项目经理"
)
_CONTACT_TITLES = _words("采购经理 IT总监 财务总监 总经理 行政经理 信息中心主任")
_LEAD_DETAILS = ["2024华东区经销商大会", "百度搜索推广", "官网在线咨询", "行业展会", "老客户推荐"]
_SERVICE_NOTES = [
    "客户反映{p}运行时噪音偏大，已上门检查并紧固支架。",
    "{p}无法正常工作，检测为主板故障，已更换主板，客户确认正常。",
    "客户要求周末上门，已约好本周六上午。",
    "首次安装，客户对安装师傅的服务表示满意。",
    "延保到期前电话提醒，客户考虑续保。",
]
_LEAD_NOTES = [
    "已电话沟通，客户对方案感兴趣，下周发送报价。",
    "客户关注价格和交付周期，需要提供分期付款方案。",
    "已上门演示，技术负责人认可，等待采购流程。",
    "客户在比较{c}的方案，价格是主要顾虑。",
    "预算已批，要求月底前给出正式报价。",
]
_PRODUCTS = [
    ("空调", "KFR-35GW/BpR3DN1"),
    ("空调", "KFR-72LW/NhGa1B"),
    ("冰箱", "BCD-470WDPG"),
    ("洗衣机", "XQG100-HBD14126L"),
    ("热水器", "JSQ30-16WT"),
    ("净水器", "MRO1791-400G"),
    ("油烟机", "CXW-260-JQ01T"),
    ("电视", "65E3H"),
]
_COMPETITORS = _words("用友 金蝶 浪潮 华为云 阿里云 腾讯云 东软 神州数码")
_BANKS = [
    ("中国工商银行", "622202"),
    ("中国建设银行", "621700"),
    ("招商银行", "622588"),
    ("中国银行", "621661"),
    ("中国农业银行", "622848"),
    ("交通银行", "622262"),
]
_MEMBER_LEVELS = {"regular": "普通", "silver": "银卡", "gold": "金卡", "diamond": "钻石"}
_CATEGORIES = _words("apparel shoes_bags beauty food home electronics mother_baby sports")
_PRODUCT_LINES = _words(
    "software hardware cloud_service consulting implementation training maintenance"
)
_INTERESTS = _words("fashion beauty digital home food travel sports parenting finance education")
_AGE_BANDS = [(24, "18_24"), (34, "25_34"), (44, "35_44"), (54, "45_54"), (200, "55_plus")]
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

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
#: demo tags: (name, group, colour)
TAGS = [
    ("VIP", "价值", "#d97706"),
    ("高潜力", "价值", "#16a34a"),
    ("高净值", "价值", "#7c3aed"),
    ("老客户", "关系", "#2563eb"),
    ("新客户", "关系", "#0ea5e9"),
    ("转介绍", "关系", "#0d9488"),
    ("投诉过", "服务", "#dc2626"),
    ("待回访", "服务", "#f59e0b"),
    ("已回访", "服务", "#10b981"),
    ("双十一", "营销", "#ef4444"),
    ("生日月", "营销", "#ec4899"),
    ("沉睡唤醒", "营销", "#6b7280"),
]


def id_check_digit(body: str) -> str:
    """GB 11643 check character for the first 17 digits of a 身份证 number."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(body[:17]))
    return "10X98765432"[total % 11]


def org_code_check(body: str) -> str:
    """GB 11714 check character for an 8-character organisation code."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(alphabet.index(c) * w for c, w in zip(body, weights, strict=True)) % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def uscc_check(body: str) -> str:
    """GB 32100 check character for the first 17 characters of a 统一社会信用代码."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(alphabet.index(c) * w for c, w in zip(body[:17], weights, strict=True))
    return alphabet[(31 - total % 31) % 31]


def split_count(total: int, weights: dict[str, int]) -> dict[str, int]:
    """``total`` shared out in proportion to ``weights`` (largest remainders; sums exactly)."""
    whole = sum(weights.values())
    shares = {key: total * weight / whole for key, weight in weights.items()}
    counts = {key: int(share) for key, share in shares.items()}
    by_remainder = sorted(weights, key=lambda key: counts[key] - shares[key])
    for key in by_remainder[: total - sum(counts.values())]:
        counts[key] += 1
    return counts


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


class DemoData:
    """Demo people, companies and template rows; the same seed gives the same data."""

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
            [grouped, grouped.replace(" ", "-"), f"+86 {grouped}", number.translate(_FULL_WIDTH)]
        )

    # -- people and companies --------------------------------------------------------------
    def mobile(self) -> str:
        """A unique 11-digit mobile number with a real carrier prefix."""
        return self._unique(lambda: self.rng.choice(_MOBILE_PREFIXES) + self._digits(8))

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
        chars = _MALE if gender == "male" else _FEMALE
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
        return f"{local}@{self.rng.choice(_MAIL)}"

    def wechat_id(self, person: Person) -> str:
        text = (person.surname_pinyin + person.given_pinyin)[:12]
        return text + self.rng.choice(("", "_", "-")) + self._digits(4)

    def address(self, area: Area) -> str:
        """A street address in the area (without province and city), as on a delivery note."""
        street = self.rng.choice(area.streets)
        if self.rng.random() < 0.5:
            return f"{area.district}{street}{self.rng.randint(1, 999)}号"
        compound = self.rng.choice(_COMPOUNDS)
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
            brand = "".join(self.rng.sample(_BRAND, 2))
            return f"{city}{brand}{words}{suffix}"

        name = self._unique(make)
        domain = "".join(lazy_pinyin(brand)) + self.rng.choice(("", "-" + slug, slug))
        domain += self.rng.choice((".com", ".com.cn", ".cn"))
        return Company(name, brand + short, industry, domain, self.uscc(area), area)

    def tag_names(self, at_least: int = 0) -> list[str]:
        """Up to three demo tag names for one customer (most have none, or one)."""
        count = max(at_least, self.rng.choices((0, 1, 2, 3), weights=(4, 3, 2, 1))[0])
        return self.rng.sample([name for name, _group, _colour in TAGS], count)

    # -- rows ------------------------------------------------------------------------------
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
            values["title"] = self.rng.choice(_TITLES)
        return values

    def _row_retail_member(self) -> dict[str, Any]:
        p = self.person()
        values = self._person_core(p)
        adult = p.born + timedelta(days=6500)
        joined = self._day_between(max(date(2015, 1, 1), adult), self.today)
        level = self._pick("regular silver gold diamond", (10, 5, 3, 1))
        spent = self.rng.uniform(50, 3000) * (1 + list(_MEMBER_LEVELS).index(level)) ** 2
        low, high = (39, 45) if p.gender == "male" else (35, 40)
        store = f"{p.home.city.removesuffix('市')}{self.rng.choice(p.home.streets)}店"
        values |= {
            "member_no": self._unique(
                lambda: self.rng.choice(("M", "VIP", "HY")) + self._digits(10)
            ),
            "member_level": _MEMBER_LEVELS[level] if self._untidy() else level,
            "join_date": self.date_text(joined),
            "preferred_store": store,
            "points_balance": str(self.rng.randint(0, int(spent))),
            "total_spent": self.money_text(spent),
            "last_purchase_date": self.date_text(self._day_between(joined, self.today)),
            "marketing_opt_in": self.rng.choice((True, False, "是", "否")),
            "favourite_categories": self._some(_CATEGORIES, 3),
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
        products = self._some(_PRODUCT_LINES, 3)
        values |= {
            "company": self.company().name,
            "title": self.rng.choice(_CONTACT_TITLES),
            "lifecycle": lifecycle,
            "lead_source_detail": self.rng.choice(_LEAD_DETAILS),
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
            "follow_up_notes": self.rng.choice(_LEAD_NOTES).format(c=self.rng.choice(_COMPETITORS)),
        }
        if stage == "lost":
            values["lost_reason"] = self._pick(
                "price product_fit competitor timing no_budget no_response"
            )
        if self.rng.random() < 0.4:
            values["competitor"] = "、".join(self.rng.sample(_COMPETITORS, 2))
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
            "key_contact_title": self.rng.choice(_CONTACT_TITLES),
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
        bank, card_prefix = self.rng.choice(_BANKS)
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
        subscribed = self.rng.random() < 0.7
        values |= {
            "email": self.email(p),
            "subscribed": subscribed,
            "preferred_channels": self._some(_words("sms email wechat phone app_push"), 3),
            "interests": self._some(_INTERESTS, 5),
            "age_band": next(band for limit, band in _AGE_BANDS if age <= limit),
            "city_tier": p.home.tier,
            "campaign_code": self.rng.choice(
                ("DOUBLE11_2024", "618-PROMO", "SPRING_NEW", "CNY2025", "WX-LIVE-07")
            ),
            "engagement_score": self.rng.randint(0, 100),
            "last_engaged_at": self.moment_text(self._past(1)),
        }
        if subscribed:
            values["consent_at"] = self.moment_text(self._past(3))
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
        kind, model = self.rng.choice(_PRODUCTS)
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
            "service_notes": self.rng.choice(_SERVICE_NOTES).format(p=kind),
        }
        return values
