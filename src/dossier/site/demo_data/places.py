"""Where demo people live and companies are registered: real county-level areas of China."""

from __future__ import annotations

from dataclasses import dataclass


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
