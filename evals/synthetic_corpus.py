"""A synthetic policy corpus in the official style, for the scale benchmark (bench_scale).

Random but seeded: districts, industries, measures, awards with caps and departments are
combined into whole policy texts that ``knowledge.parse`` reads like the real one.
"""

from __future__ import annotations

import random
from typing import Any

DISTRICTS = [
    "郑州航空港区", "郑州高新区", "郑州经开区", "郑东新区", "金水区", "二七区", "管城区",
    "惠济区", "中原区", "上街区", "荥阳市", "新郑市", "新密市", "登封市", "中牟县", "巩义市",
]  # fmt: skip
INDUSTRIES = [
    "智能终端", "智能传感器", "集成电路", "新型显示", "5G通信", "工业互联网", "北斗导航",
    "网络安全", "人工智能", "大数据", "云计算", "区块链", "虚拟现实", "超高清视频", "信创软件",
    "卫星互联网", "智能网联汽车", "量子信息", "数字孪生", "物联网", "智慧医疗", "智慧教育",
    "工业软件", "光电子器件", "服务机器人", "工业无人机", "智能家居", "可穿戴设备", "算力中心",
    "先进存储", "功率半导体", "激光显示", "信息安全芯片", "车规级芯片", "边缘计算", "数据标注",
]  # fmt: skip
MEASURES = [
    ("研发投入", "年度研发费用"),
    ("首台（套）装备", "装备销售额"),
    ("首版次软件", "软件销售合同额"),
    ("中试平台建设", "平台设备投资额"),
    ("公共服务平台", "平台建设投资额"),
    ("技术改造", "技术改造设备投资额"),
    ("数字化转型", "数字化改造投资额"),
    ("检验检测能力", "检测设备购置额"),
    ("创新中心建设", "创新中心建设投入"),
    ("重点实验室建设", "实验室仪器设备投资额"),
    ("产学研合作", "合作项目实际支出"),
    ("应用场景建设", "场景建设投资额"),
    ("厂房建设", "厂房建设投资额"),
    ("人才培训", "培训费用"),
    ("知识产权布局", "专利申请及维护费用"),
    ("市场开拓", "参展及推广费用"),
    ("云服务采购", "云服务费用"),
    ("数据中心节能改造", "节能改造投资额"),
]
SUBJECTS = [
    "新落户我市的", "年主营业务收入首次突破1亿元的", "被认定为国家级专精特新“小巨人”的",
    "首次进入全国行业前五十强的", "在我市新设立研发中心的", "年纳税额增长20%以上的",
    "被认定为省级制造业单项冠军的", "获评国家级高新技术企业的", "在主板或科创板首发上市的",
    "承担国家重大专项的", "入选省级数字化转型标杆的", "参与制定国家标准的",
]  # fmt: skip
AWARD_KINDS = ["补助", "奖励", "补贴", "资金支持"]
LIMITS = ["单个企业每年", "同一项目", "单个项目", "每家企业累计", "每个平台"]
DEPARTMENTS = [
    "市工信局", "市财政局", "市科技局", "市发展改革委", "市商务局", "市人社局",
    "市市场监管局", "市大数据局", "市教育局", "市金融局", "市自然资源和规划局", "市税务局",
]  # fmt: skip
TASK_VERBS = ["做强", "培育", "壮大", "提升", "拓展", "加快发展", "积极引进", "谋划布局"]
TASK_PRODUCTS = [
    "整机产品", "核心零部件", "关键材料", "专用设备", "系统解决方案", "公共服务平台",
    "测试验证能力", "应用示范项目", "产业配套体系", "龙头骨干企业",
]  # fmt: skip
TASK_GOALS = [
    "到2025年力争形成产值超{n}亿元的产业集群",
    "力争引进培育{n}家以上龙头企业",
    "打造{n}个以上省级示范项目",
    "推动本地配套率提高到{n}%以上",
    "建成{n}个以上公共技术服务平台",
]
SAFEGUARDS = [
    (
        "加强组织领导",
        "由市{dept}牵头建立{ind}产业推进工作机制，统筹协调{ind}产业发展中的重大事项，定期调度重点项目进展。",
    ),
    (
        "强化要素保障",
        "优先保障{ind}重点项目用地、用能需求，对纳入市重点项目的{ind}项目开辟审批绿色通道。",
    ),
    (
        "加大金融支持",
        "引导郑州国家中心城市基金设立{ind}产业子基金，鼓励金融机构开发适合{ind}企业的信贷产品。",
    ),
    (
        "加强人才支撑",
        "将{ind}领域高层次人才纳入“智汇郑州”人才工程支持范围，支持高校开设{ind}相关专业。",
    ),
    (
        "营造发展环境",
        "深入开展“万人助万企”活动，建立{ind}企业服务专员制度，及时协调解决企业实际问题。",
    ),
    ("强化督导考核", "将{ind}产业发展目标纳入各开发区、区县（市）年度考核，定期通报工作进展。"),
]
CN_NUM = "一二三四五六七八九十"


def _pick(rng: random.Random, items: list[Any], k: int) -> list[Any]:
    return rng.sample(items, k)


class CorpusGenerator:
    """Synthetic policies in the real one's style; every clause text is new."""

    def __init__(self, seed: int = 20220602) -> None:
        self._rng = random.Random(seed)
        self._seen: set[str] = set()

    def _unique(self, make: Any) -> str:
        for _ in range(1000):
            text = make()
            if text not in self._seen:
                self._seen.add(text)
                return text
        raise RuntimeError("vocabulary exhausted: add words to evals/bench_scale.py")

    def _depts(self) -> str:
        rng = self._rng
        first = rng.choice(["市工信局", "市科技局", "市发展改革委", "市商务局", "市大数据局"])
        others = _pick(rng, [d for d in DEPARTMENTS if d != first], rng.randint(1, 2))
        return "、".join([first, *others])

    def task_item(self, n: int, industry: str) -> str:
        rng = self._rng

        def make() -> str:
            a, b = _pick(rng, DISTRICTS, 2)
            goal = rng.choice(TASK_GOALS).format(n=rng.randint(3, 60))
            product = rng.choice(TASK_PRODUCTS)
            return (
                f"{n}.{rng.choice(TASK_VERBS)}{industry}{product}。依托{a}、{b}，"
                f"{rng.choice(['重点发展', '加快引进', '培育壮大', '积极布局'])}{industry}"
                f"{rng.choice(TASK_PRODUCTS)}，{goal}。"
            )

        return self._unique(make)

    def support_item(self, n: int, industry: str) -> str:
        rng = self._rng

        def make() -> str:
            measure, base = rng.choice(MEASURES)
            kind = rng.choice(AWARD_KINDS)
            if rng.random() < 0.6:
                pct = rng.choice([10, 15, 20, 25, 30, 35, 40, 50])
                cap = rng.choice([50, 100, 200, 300, 500, 800, 1000, 1500, 2000, 3000])
                body = (
                    f"对{rng.choice(SUBJECTS)}{industry}企业，按照{base}的{pct}%给予{kind}，"
                    f"{rng.choice(LIMITS)}最高不超过{cap}万元。"
                )
            else:
                amount = rng.choice([20, 30, 50, 80, 100, 150, 200, 300, 500, 1000])
                body = f"对{rng.choice(SUBJECTS)}{industry}企业，给予{amount}万元的一次性{kind}。"
            return f"{n}.支持{industry}企业{measure}。{body}"

        return self._unique(make)

    def policy_text(self, index: int) -> str:
        """One document of about 65 clauses (序, chapters, sections, items, 尾)."""
        rng = self._rng
        focus = _pick(rng, INDUSTRIES, 4)
        year = 2021 + index % 5
        lines = [
            "各开发区管委会，各区县（市）人民政府，市人民政府各部门，各有关单位：",
            self._unique(
                lambda: (
                    f"为加快{focus[0]}、{focus[1]}等产业发展（第{index}号），"
                    "经市政府同意，特制定本意见。"
                )
            ),
            "一、基本情况",
            self._unique(
                lambda: (
                    f"近年来，我市{focus[0]}产业规模持续扩大，{focus[1]}、{focus[2]}"
                    f"等领域集聚企业{rng.randint(30, 400)}家，{year - 1}年实现主营业务收入"
                    f"{rng.randint(50, 2000)}亿元（第{index}号）。"
                )
            ),
            "二、总体要求",
            "（一）指导思想",
            self._unique(
                lambda: (
                    f"坚持创新驱动、应用牵引，聚焦{'、'.join(focus)}，加快建链延链补链强链，"
                    f"推动{focus[3]}与实体经济深度融合（第{index}号）。"
                )
            ),
            "（二）发展目标",
            self._unique(
                lambda: (
                    f"到{year + 4}年，{focus[0]}产业主营业务收入力争突破"
                    f"{rng.randint(100, 3000)}亿元，培育{rng.randint(3, 30)}家以上龙头企业"
                    f"（第{index}号）。"
                )
            ),
            "三、重点任务",
        ]
        n = 0
        for s, industry in enumerate(focus):
            lines.append(f"（{CN_NUM[s]}）发展{industry}产业")
            for _ in range(5):
                n += 1
                lines.append(self.task_item(n, industry))
        lines.append("四、支持政策")
        n = 0
        for s, industry in enumerate(focus):
            lines.append(f"（{CN_NUM[s]}）支持{industry}企业做大做强")
            for _ in range(6):
                n += 1
                lines.append(self.support_item(n, industry))
                lines.append(f"责任单位：{self._depts()}。")
        lines.append("五、保障措施")
        for s, (title, body) in enumerate(_pick(rng, SAFEGUARDS, 4)):
            lines.append(f"（{CN_NUM[s]}）{title}")
            lines.append(
                self._unique(
                    lambda body=body: (
                        body.format(
                            dept=rng.choice(["工信局", "发展改革委"]), ind=rng.choice(focus)
                        )
                        + f"（第{index}号）"
                    )
                )
            )
        lines += [
            self._unique(
                lambda: (
                    f"本意见自公布之日起实施，有效期三年（第{index}号），"
                    "根据实际执行情况适时修订完善。"
                )
            ),
            "郑州市人民政府办公厅",
            f"{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
        ]
        return "\n".join(lines)


def synthetic_policies(clauses_wanted: int, seed: int = 20220602) -> list[Any]:
    """Parsed synthetic policies with at least ``clauses_wanted`` clauses in total."""
    from knowledge.clause import PolicyMeta
    from knowledge.parse import parse_policy

    gen = CorpusGenerator(seed)
    policies: list[Any] = []
    total = 0
    i = 0
    while total < clauses_wanted:
        i += 1
        meta = PolicyMeta(slug=f"synthetic-{i:04d}", title=f"合成政策第{i}号", valid_years=3)
        parsed = parse_policy(gen.policy_text(i), meta)
        policies.append(parsed)
        total += len(parsed.clauses)
    return policies
