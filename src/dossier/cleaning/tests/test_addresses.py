"""Address standardisation against the region table: real-looking addresses, expected parts."""

from __future__ import annotations

import pytest

from dossier.cleaning.addresses import (
    AMBIGUOUS,
    EMPTY,
    NO_REGION,
    TEXT_BEFORE,
    TOO_VAGUE,
    canonical_city,
    canonical_province,
    parse_address,
    parse_addresses,
)

# text → (province, city, district, detail)
SPLIT = [
    # provinces, written whole
    ("广东省深圳市南山区科技园路1号", ("广东省", "深圳市", "南山区", "科技园路1号")),
    ("浙江省杭州市西湖区文三路478号", ("浙江省", "杭州市", "西湖区", "文三路478号")),
    ("江苏省南京市鼓楼区中山北路30号", ("江苏省", "南京市", "鼓楼区", "中山北路30号")),
    ("四川省成都市武侯区人民南路四段9号", ("四川省", "成都市", "武侯区", "人民南路四段9号")),
    ("湖北省武汉市洪山区珞喻路1037号", ("湖北省", "武汉市", "洪山区", "珞喻路1037号")),
    ("山东省青岛市市南区香港中路10号", ("山东省", "青岛市", "市南区", "香港中路10号")),
    ("福建省厦门市思明区思明南路422号", ("福建省", "厦门市", "思明区", "思明南路422号")),
    ("陕西省西安市雁塔区长安南路", ("陕西省", "西安市", "雁塔区", "长安南路")),
    ("黑龙江省哈尔滨市南岗区西大直街92号", ("黑龙江省", "哈尔滨市", "南岗区", "西大直街92号")),
    # the province left out, or written short
    ("深圳南山区科技园", ("广东省", "深圳市", "南山区", "科技园")),
    ("杭州市余杭区文一西路969号", ("浙江省", "杭州市", "余杭区", "文一西路969号")),
    ("广东深圳福田区福华一路", ("广东省", "深圳市", "福田区", "福华一路")),
    ("苏州工业园区星湖街328号", ("江苏省", "苏州市", "", "")),  # replaced below: too vague
    # municipalities: the city is the municipality itself
    ("北京市朝阳区建国路88号", ("北京市", "北京市", "朝阳区", "建国路88号")),
    ("北京海淀区中关村大街27号", ("北京市", "北京市", "海淀区", "中关村大街27号")),
    ("上海市浦东新区张江路88号", ("上海市", "上海市", "浦东新区", "张江路88号")),
    ("天津市和平区南京路189号", ("天津市", "天津市", "和平区", "南京路189号")),
    ("重庆市渝中区解放碑民权路", ("重庆市", "重庆市", "渝中区", "解放碑民权路")),
    ("重庆城口县葛城镇", ("重庆市", "重庆市", "城口县", "葛城镇")),
    # autonomous regions, whole and short
    ("内蒙古自治区呼和浩特市新城区中山东路", ("内蒙古自治区", "呼和浩特市", "新城区", "中山东路")),
    ("广西南宁市青秀区民族大道100号", ("广西壮族自治区", "南宁市", "青秀区", "民族大道100号")),
    ("西藏拉萨市城关区北京中路", ("西藏自治区", "拉萨市", "城关区", "北京中路")),
    ("宁夏银川市兴庆区解放西街", ("宁夏回族自治区", "银川市", "兴庆区", "解放西街")),
    ("新疆乌鲁木齐市天山区人民路", ("新疆维吾尔自治区", "乌鲁木齐市", "天山区", "人民路")),
    # county-level cities: under their prefecture, or straight under the province
    ("江苏昆山玉山镇前进西路", ("江苏省", "苏州市", "昆山市", "玉山镇前进西路")),
    ("江苏省张家港市杨舍镇", ("江苏省", "苏州市", "张家港市", "杨舍镇")),
    ("湖北省仙桃市沙嘴街道", ("湖北省", "仙桃市", "", "沙嘴街道")),
    ("海南琼海市嘉积镇", ("海南省", "琼海市", "", "嘉积镇")),
    ("新疆石河子市北一路", ("新疆维吾尔自治区", "石河子市", "", "北一路")),
    # cities without districts
    ("广东省东莞市长安镇", ("广东省", "东莞市", "", "长安镇")),
    ("中山市石岐区孙文中路", ("广东省", "中山市", "", "石岐区孙文中路")),
    # typing slips: full-width digits, stray spaces, a wrong character in the city
    ("浙江省杭州市西湖区 文三路１２号", ("浙江省", "杭州市", "西湖区", "文三路12号")),
    ("广 东省 深圳市 南山区 科技园 A座 501室", ("广东省", "深圳市", "南山区", "科技园A座501室")),
    ("广东省深训市南山区科技园", ("广东省", "深圳市", "南山区", "科技园")),
    (
        "上海市静安区南京西路1266号 Tower A 5F",
        ("上海市", "上海市", "静安区", "南京西路1266号Tower A 5F"),
    ),
]
SPLIT = [row for row in SPLIT if not row[0].startswith("苏州工业园区")]

REPORTED = [
    ("", EMPTY),
    ("   ", EMPTY),
    ("随便写写", NO_REGION),
    ("Room 5, Tower A", NO_REGION),
    ("科技园路1号", NO_REGION),
    ("广东", TOO_VAGUE),
    ("广东省某某路", TOO_VAGUE),
    ("香港九龙弥敦道", TOO_VAGUE),
    # 朝阳区 is Beijing's and Changchun's: without the city it is a guess
    ("朝阳区建国路88号", AMBIGUOUS),
    ("鼓楼区中山路", AMBIGUOUS),
    ("苏州工业园区星湖街328号", TOO_VAGUE),
    # what stands before the region would be lost by the split
    ("Tower A, 上海市静安区南京西路1266号", TEXT_BEFORE),
]


def test_the_table_holds_at_least_thirty_addresses() -> None:
    assert len(SPLIT) >= 30


@pytest.mark.parametrize(("text", "parts"), SPLIT)
def test_address_splits_into_canonical_parts(text: str, parts: tuple[str, ...]) -> None:
    address = parse_address(text)
    assert address.ok, address
    assert (address.province, address.city, address.district, address.detail) == parts


@pytest.mark.parametrize(("text", "problem"), REPORTED)
def test_address_that_cannot_be_split_surely_is_reported_not_guessed(
    text: str, problem: str
) -> None:
    address = parse_address(text)
    assert address.problem == problem
    assert (address.province, address.city, address.district) == ("", "", "")


def test_a_batch_answers_in_order_with_empty_ones_in_place() -> None:
    found = parse_addresses(["北京市朝阳区建国路88号", "", "随便写写", "深圳南山区科技园"])
    assert [a.city or a.problem for a in found] == ["北京市", EMPTY, NO_REGION, "深圳市"]


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("广东", "广东省"),
        ("广东省", "广东省"),
        (" 广 东 ", "广东省"),
        ("内蒙古", "内蒙古自治区"),
        ("新疆", "新疆维吾尔自治区"),
        ("北京", "北京市"),
        ("广东深圳", ""),  # not a province alone
        ("火星", ""),
        ("", ""),
    ],
)
def test_canonical_province(name: str, canonical: str) -> None:
    assert canonical_province(name) == canonical


@pytest.mark.parametrize(
    ("name", "province", "canonical"),
    [
        ("深圳", "广东", "深圳市"),
        ("深圳", "", "深圳市"),
        ("北京", "北京市", "北京市"),
        ("苏州", "广东", ""),  # not in that province
        ("南山区", "广东", ""),  # a district, not a city
        ("", "广东", ""),
    ],
)
def test_canonical_city(name: str, province: str, canonical: str) -> None:
    assert canonical_city(name, province) == canonical
