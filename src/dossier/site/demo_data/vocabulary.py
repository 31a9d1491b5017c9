"""The words demo customers are made of: surnames, given names, companies, products, notes."""

from __future__ import annotations

import re


def _words(text: str) -> list[str]:
    return text.split()


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
MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林阳建国峰晨博文志昊睿轩泽宸铭诚嘉毅"
FEMALE = "芳娜敏静丽艳娟霞秀燕玲桂丹萍红婷雪琳晶颖倩慧莹洁佳欣怡梦雨璐瑶萱涵诗悦琪彤妍蕾薇晓思月"
MOBILE_PREFIXES = _words(
    "139 138 137 136 135 158 159 150 151 152 182 187 188 130 131 132 155 156 185 186 "
    "133 153 180 181 189 177 173 199 191 166 176"
)
MAIL = ("qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "outlook.com", "gmail.com")
BRAND = "华盛鑫宏达恒瑞泰德源信嘉博锐远航创新天启明正通联云帆智合邦晟科蓝海峰越"
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
COMPOUNDS = _words("阳光花园 锦绣家园 翠苑 金色家园 世纪新城 碧水湾 华府 南苑小区 东方名城 御景园")
TITLES = _words(
    "经理 工程师 教师 医生 会计 设计师 销售主管 产品经理 行政专员 采购经理 IT总监 "
    "财务总监 总经理 项目经理"
)
CONTACT_TITLES = _words("采购经理 IT总监 财务总监 总经理 行政经理 信息中心主任")
LEAD_DETAILS = ["2024华东区经销商大会", "百度搜索推广", "官网在线咨询", "行业展会", "老客户推荐"]
SERVICE_NOTES = [
    "客户反映{p}运行时噪音偏大，已上门检查并紧固支架。",
    "{p}无法正常工作，检测为主板故障，已更换主板，客户确认正常。",
    "客户要求周末上门，已约好本周六上午。",
    "首次安装，客户对安装师傅的服务表示满意。",
    "延保到期前电话提醒，客户考虑续保。",
]
LEAD_NOTES = [
    "已电话沟通，客户对方案感兴趣，下周发送报价。",
    "客户关注价格和交付周期，需要提供分期付款方案。",
    "已上门演示，技术负责人认可，等待采购流程。",
    "客户在比较{c}的方案，价格是主要顾虑。",
    "预算已批，要求月底前给出正式报价。",
]
PRODUCTS = [
    ("空调", "KFR-35GW/BpR3DN1"),
    ("空调", "KFR-72LW/NhGa1B"),
    ("冰箱", "BCD-470WDPG"),
    ("洗衣机", "XQG100-HBD14126L"),
    ("热水器", "JSQ30-16WT"),
    ("净水器", "MRO1791-400G"),
    ("油烟机", "CXW-260-JQ01T"),
    ("电视", "65E3H"),
]
COMPETITORS = _words("用友 金蝶 浪潮 华为云 阿里云 腾讯云 东软 神州数码")
BANKS = [
    ("中国工商银行", "622202"),
    ("中国建设银行", "621700"),
    ("招商银行", "622588"),
    ("中国银行", "621661"),
    ("中国农业银行", "622848"),
    ("交通银行", "622262"),
]
MEMBER_LEVELS = {"regular": "普通", "silver": "银卡", "gold": "金卡", "diamond": "钻石"}
CATEGORIES = _words("apparel shoes_bags beauty food home electronics mother_baby sports")
PRODUCT_LINES = _words(
    "software hardware cloud_service consulting implementation training maintenance"
)
PREFERRED_CHANNELS = _words("sms email wechat phone app_push")
INTERESTS = _words("fashion beauty digital home food travel sports parenting finance education")
AGE_BANDS = [(24, "18_24"), (34, "25_34"), (44, "35_44"), (54, "45_54"), (200, "55_plus")]
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

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
