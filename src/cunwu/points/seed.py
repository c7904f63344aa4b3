"""The default rulebook: five categories and 38 items of additions and deductions.

Modelled on the 积分制 of 常宁市西岭镇石江村 as the Hengyang report describes it
(村民自治、乡风文明、人才振兴、产业发展、美丽家园; 38 items), with the item wording common in
published village rulebooks.
A township or county publishes it as its template (``cunwu points template``); villages copy
the template and adjust it before their 村民代表会议 adopts it.
"""

from __future__ import annotations

from .models import CapPeriod, Evidence, Proposer, Unit
from .services import ItemData

V, C, G = str(Proposer.VILLAGER), str(Proposer.CADRE), str(Proposer.GRID)
ALL: list[str] = [V, C, G]
STAFF: list[str] = [C, G]


def _item(
    category: str,
    code: str,
    name: str,
    points: int,
    *,
    low: int | None = None,
    high: int | None = None,
    unit: str = Unit.EVENT,
    cap: int | None = None,
    cap_period: str = CapPeriod.YEAR,
    photo: bool = False,
    proposers: list[str] | None = None,
    repeat: bool = False,
) -> ItemData:
    return ItemData(
        category=category, code=code, name=name, points=points, points_min=low, points_max=high,
        unit=unit, cap=cap, cap_period=cap_period,
        evidence=Evidence.PHOTO if photo else Evidence.NONE,
        proposers=list(proposers or (ALL if points > 0 else STAFF)), repeat_same_day=repeat,
    )  # fmt: skip


ZZ, XF, RC, CY, MJ = "村民自治", "乡风文明", "人才振兴", "产业发展", "美丽家园"

DEFAULT_ITEMS: list[ItemData] = [
    # 村民自治 (8)
    _item(ZZ, "A01", "参加村民会议、村民代表会议", 2, cap=24),
    _item(ZZ, "A02", "参加屋场恳谈会并提出合理建议", 2, high=5, cap=20),
    _item(ZZ, "A03", "按时参加义务投工投劳", 3, low=1, high=5, cap=30, photo=True),
    _item(ZZ, "A04", "主动调解邻里纠纷", 5, high=10, cap=20, proposers=STAFF),
    _item(ZZ, "A05", "按时缴纳医保、养老保险", 5, unit=Unit.YEAR, cap=5, proposers=STAFF),
    _item(ZZ, "A06", "参与村级事务监督并反映问题属实", 3, high=5, cap=15, proposers=STAFF),
    _item(ZZ, "A07", "无理缠访、闹访", -10, low=-20, high=-5),
    _item(ZZ, "A08", "拒不配合村级公益事业建设", -5, low=-10, high=-2),
    # 乡风文明 (9)
    _item(XF, "B01", "参加志愿服务活动", 3, low=1, high=5, cap=60, photo=True, repeat=True),
    _item(XF, "B02", "孝老爱亲，获村级以上表彰", 10, high=20, cap=20, proposers=STAFF),
    _item(XF, "B03", "移风易俗，婚事新办、丧事简办", 5, cap=10, proposers=STAFF),
    _item(XF, "B04", "见义勇为、拾金不昧", 10, high=20, photo=True),
    _item(XF, "B05", "评为文明户、最美家庭", 10, unit=Unit.YEAR, cap=10, proposers=STAFF),
    _item(XF, "B06", "参加读书、宣讲、文体活动", 1, high=3, cap=20, repeat=True),
    _item(XF, "B07", "大操大办、铺张浪费", -10, low=-20, high=-5),
    _item(XF, "B08", "聚众赌博、参与封建迷信活动", -20, low=-30, high=-10),
    _item(XF, "B09", "不赡养老人、虐待家庭成员", -20, low=-30, high=-10),
    # 人才振兴 (6)
    _item(RC, "C01", "子女考入本科院校", 10, unit=Unit.YEAR, cap=20, photo=True),
    _item(RC, "C02", "参加技能培训并取得证书", 5, high=10, cap=20, photo=True),
    _item(RC, "C03", "返乡创业、带动就业", 10, high=20, cap=20, proposers=STAFF),
    _item(RC, "C04", "参军入伍", 20, unit=Unit.YEAR, cap=20, proposers=STAFF),
    _item(RC, "C05", "担任网格员、信息员等并履职", 3, unit=Unit.MONTH, cap=36, proposers=STAFF),
    _item(RC, "C06", "适龄子女辍学", -10, proposers=STAFF),
    # 产业发展 (6)
    _item(CY, "D01", "发展特色种养业", 5, high=10, unit=Unit.YEAR, cap=10, photo=True),
    _item(CY, "D02", "加入农民专业合作社", 3, unit=Unit.YEAR, cap=3),
    _item(CY, "D03", "到乡村车间稳定务工满一月", 2, unit=Unit.MONTH, cap=24, proposers=STAFF),
    _item(CY, "D04", "无偿流转土地支持村集体项目", 5, high=10, cap=10, proposers=STAFF),
    _item(CY, "D05", "撂荒耕地", -10, low=-20, high=-5),
    _item(CY, "D06", "焚烧秸秆", -5, low=-10, high=-2),
    # 美丽家园 (9)
    _item(
        MJ, "E01", "垃圾分类到位", 5, unit=Unit.MONTH, cap=5, cap_period=CapPeriod.MONTH, photo=True
    ),
    _item(
        MJ,
        "E02",
        "庭院整洁、房前屋后干净",
        3,
        unit=Unit.MONTH,
        cap=3,
        cap_period=CapPeriod.MONTH,
        photo=True,
    ),
    _item(MJ, "E03", "参加村庄清洁行动", 2, cap=40, photo=True, repeat=True),
    _item(MJ, "E04", "植树护绿、认领绿化", 2, high=5, cap=10, photo=True),
    _item(MJ, "E05", "评为卫生示范户", 10, unit=Unit.YEAR, cap=10, proposers=STAFF),
    _item(MJ, "E06", "卫生检查不合格", -3, low=-5, high=-1),
    _item(MJ, "E07", "乱堆乱放、乱搭乱建", -5, low=-10, high=-2),
    _item(MJ, "E08", "乱倒垃圾、污水", -5, low=-10, high=-2),
    _item(MJ, "E09", "散养家禽家畜影响环境", -3, low=-5, high=-1),
]
