"""Question understanding through the real chain: scope by evidence, awards in other words,
clause numbers said aloud, and the front door (traditional = simplified, English terms).

Expectations come from the policy text, not from the program's output.
"""

from __future__ import annotations

import pytest

from assistant.chain import Assistant
from assistant.understand.references import Chapter, spoken_references
from tests.conftest import assistant_in

CHAPTERS = {"支持政策": Chapter("四", True), "保障措施": Chapter("五", False)}


@pytest.mark.parametrize(
    ("said", "written"),
    [
        ("四点十条的原文是什么", "四.10的原文是什么"),
        ("4.4条是什么", "四.4是什么"),
        ("第四部分第（六）节讲的什么", "四.(六)讲的什么"),
        ("支持政策第九条说的是什么", "四.9说的是什么"),
        ("保障措施里的第一条是啥", "五.(一)是啥"),  # that chapter numbers sections only
        ("投资2.5亿的项目", "投资2.5亿的项目"),  # a decimal amount is no clause number
    ],
)
def test_clause_numbers_said_aloud_are_written_as_ids(said: str, written: str) -> None:
    assert spoken_references(said, CHAPTERS) == written


ITEMS = {"支持政策": Chapter("四", True, frozenset(range(1, 18))), "保障措施": Chapter("五", False)}


@pytest.mark.parametrize(
    ("said", "written"),
    [
        # a dotted number said without 条: an item, where a clause may be named
        ("四点十七是哪个部门负责？", "四.17是哪个部门负责？"),
        ("请问四点五讲的是什么", "请问四.5讲的是什么"),
        ("那四点十呢？", "那四.10呢？"),
        ("四点一七是什么", "四.17是什么"),  # read digit by digit, as a decimal is
        ("四点一七条", "四.17"),
        # ... never a time, an amount, a rate or an item the chapter does not have
        ("下午四点十七分", "下午四点十七分"),
        ("利率四点五的贷款", "利率四点五的贷款"),
        ("增长了四点五", "增长了四点五"),
        ("四点五万", "四点五万"),
        ("四点十八是什么", "四点十八是什么"),
        # the 条 of a law for a chapter, when its 款/项 follows
        ("第四条第二款是什么内容？", "四.2是什么内容？"),
        ("第五条第二款是什么", "五.(二)是什么"),  # a chapter of sections
        ("第十条第二款", "第十条第二款"),  # no chapter 十: as said
        ("第四条是什么", "第四条是什么"),
        # other spoken and written forms of the same item
        ("四.十七是什么", "四.17是什么"),
        ("第4.17条", "四.17"),
        ("4.17条款是什么", "四.17是什么"),
        ("四点幺七是什么", "四.17是什么"),
        ("第四部分十七条讲什么", "四.17讲什么"),
        ("第四大点第十七小点", "四.17"),
        ("十四部分十条", "十四部分十条"),  # no chapter 十四
        ("第四部分有十七条", "第四部分有十七条"),  # a count of items, no reference
        ("增长了4.17", "增长了4.17"),
        ("四点十三的贴息怎么算", "四.13的贴息怎么算"),
        ("四点五的利率", "四点五的利率"),
    ],
)
def test_clause_numbers_said_without_a_measure_word(said: str, written: str) -> None:
    assert spoken_references(said, ITEMS) == written


# chapters with their sections, as the policy numbers them: items run on across a chapter
SECTIONED = {
    "重点任务": Chapter(
        "三", True, frozenset(range(1, 8)), (("一", (1, 2, 3, 4)), ("二", (5, 6, 7)))
    ),
    "支持政策": Chapter(
        "四",
        True,
        frozenset(range(1, 12)),
        (("一", (1, 2, 3)), ("二", (4, 5, 6, 7)), ("三", (8, 9, 10, 11))),
    ),
    "保障措施": Chapter("五", False, sections=(("一", ()), ("二", ()), ("三", ()))),
}


@pytest.mark.parametrize(
    ("said", "written"),
    [
        # a chapter by its measure word, then an item counted as 个/点
        ("第四大块第十个是干什么的", "四.10是干什么的"),
        ("第三部分的第六点提到哪些产品", "三.6提到哪些产品"),
        # a section, then an item: the chapter's own numbering, else counted in the section
        ("重点任务里第（二）块的第6条讲了啥", "三.6讲了啥"),
        ("支持政策中第(二)节第1条是什么", "四.4是什么"),
        ("第四部分第三节的第十一项", "四.11"),
        ("支持政策第(三)部分的第9条", "四.9"),
        ("支持政策第三块第二条是什么", "四.9是什么"),  # after a heading 第三块 is its section
        ("支持政策第(一)块的第5条", "支持政策第(一)块的第5条"),  # neither: left as said
        # a section after a chapter's heading
        ("保障措施中第(二)块说的什么", "五.(二)说的什么"),
        ("支持政策第(七)块", "支持政策第(七)块"),  # no such section
        # 之 and marks that are never a decimal point, between chapter and item
        ("四之十一是什么", "四.11是什么"),
        ("请问4·10讲什么", "请问四.10讲什么"),
        ("三之六条", "三.6"),
        ("四分之一", "四分之一"),
        ("9·11那天", "9·11那天"),
        # 第N项 with no chapter said reads as 第N条, for the retriever's item numbers
        ("第十一项是什么", "第11条是什么"),
        ("第三十项是什么", "第三十项是什么"),  # no chapter has it
        ("四.10的第二项是什么", "四.10的第二项是什么"),  # a part of a clause named
        # no 第 at all: not a clause number (一块 is "together")
        ("我们一块两个人去", "我们一块两个人去"),
    ],
)
def test_spoken_chapters_sections_and_items(said: str, written: str) -> None:
    assert spoken_references(said, SECTIONED) == written


@pytest.fixture(scope="module")
def assistant(tmp_path_factory) -> Assistant:
    return assistant_in(tmp_path_factory, "understanding")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "amount"),
    [
        # a place name is evidence, not a veto
        ("我们在苏州也有工厂，郑州这边的智能化改造项目智能制造设备投了3000万，能补多少？", 6000000),
        ("去年在北京参加了服博会，展位费和布展费共60万，能补多少", 420000),
    ],
)
def test_places_in_a_legitimate_question_do_not_refuse_it(
    assistant: Assistant, question: str, amount: int
) -> None:
    a = assistant.ask(question)
    assert not a.refused
    assert a.award is not None and a.award.amount_yuan == amount


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "amount"),
    [
        # area, staff and registered capital in a long message are no inputs
        (
            "我们公司2015年成立，员工320人，厂房1.2万平方米，注册资本5000万。"
            "今年参加了深圳的电子展，展位费和布展费一共40万元，这个能补多少？",
            280_000,
        ),
        # a loan of another sentence that asks nothing is background
        (
            "我们做芯片设计，在上海和郑州都有研发中心。去年银行贷款了2000万。"
            "今年首轮流片花了450万，请问补贴多少？",
            1_800_000,
        ),
    ],
)
def test_unrelated_figures_of_a_long_message_are_no_inputs(
    assistant: Assistant, question: str, amount: int
) -> None:
    a = assistant.ask(question)
    assert not a.refused
    assert [w.amount_yuan for w in a.awards] == [amount]


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [
        # knowledge, a market figure, a consumer's or a person's errand about a thing the
        # policy names: its word (5G, 流片, LPR, 平台, 展会) does not make it a policy question
        "小区里的5G网速太慢了，打哪个电话投诉？",
        "首轮流片用7纳米和28纳米工艺，价格大概差多少？",
        "今天的一年期LPR报价是多少？",
        "讲讲智能传感器的工作原理吧，我在写毕业论文。",
        "做工业互联网平台的那几只股票值得抄底吗？",
        "智能终端产业园里的手机厂有员工价吗？",
        "今年的博览会门票在哪领？",
        "办公室宽带老是断网，找谁修？",
        "8英寸晶圆现在的市场价是多少？",
        "做MEMS传感器的企业哪家好？",
        "想读研究集成电路方向，报考哪所学校好？",
        "哪儿能买到北斗定位模块？",
        "楼顶装了5G基站，辐射对人有影响吗？",
        "MEMS麦克风和驻极体麦克风有啥区别？",
        "晶圆厂的良率怎么提高？",
        "智能传感器行业的发展前景怎么样？",
    ],
)
def test_asked_knowledge_is_refused_over_the_policys_words(
    assistant: Assistant, question: str
) -> None:
    a = assistant.ask(question)
    assert a.refused and a.citations == []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "refused"),
    [
        # support asked for the same things is a policy question
        ("参加博览会的门票费用能补贴吗？", False),
        ("智能化改造贷款贴息按LPR算，能补多少？", False),
        ("智能工厂和智能车间的奖励有什么区别？", False),
    ],
)
def test_asked_knowledge_yields_to_support_asked(
    assistant: Assistant, question: str, refused: bool
) -> None:
    assert assistant.ask(question).refused is refused


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "refused"),
    [
        # what the asking sentence is about (a job, a standard's text, a course, a fare, rent)
        # outweighs the park, industry and place words it also says
        ("郑州经开区的电子厂招不招临时工，月薪多少？", True),
        ("传感器的行业标准在哪里下载？", True),
        ("从郑东新区到郑州高新区坐什么车？", True),
        ("软件园的办公室房租怎么交？", True),
        ("大数据培训班在哪报名？", True),
        ("想去智能终端产业园的工厂上班，要什么条件？", True),
        ("后天郑州高新区尾号限行是几号？", True),
        # … but not a clause topic the asking sentence names, nor words that only look alike
        ("研发人员工资可以算进流片费用吗？", False),
        ("从申请到资金拨付需要多久？", False),
        # another policy area's matter qualifies the policy's word: that area is asked about
        ("个人创业担保贷款的贴息怎么申请？", True),
        ("公积金贷款的贴息有吗？", True),
        # the policy's matter is the head of the phrase: answered
        ("新能源汽车的芯片首轮流片花了300万，能补多少？", False),
        # what is asked is outside; the policy's word only stands in a sentence that tells
        ("下周郑州会下雪吗？我们要去参加博览会", True),
        ("我的笔记本电脑屏幕碎了，哪里修便宜？", True),
    ],
)
def test_the_asked_matter_outweighs_the_policys_words(
    assistant: Assistant, question: str, refused: bool
) -> None:
    assert assistant.ask(question).refused is refused


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "route"),
    [
        # a worker's own labour matter, whatever firm of the policy's field it happened in
        ("在航空港区那家手机代工厂干满一年了，年休假有几天？", "out_of_scope"),
        ("做智能传感器的公司不签劳动合同，我该去哪里申请劳动仲裁？", "out_of_scope"),
        ("富士康扣我工资合法吗？", "out_of_scope"),
        # an enterprise asking support for its staff's pay: in the field, not provided
        ("我们公司给员工发的加班工资，政府有补贴吗？", "not_provided"),
    ],
)
def test_a_workers_own_labour_matter_is_refused(
    assistant: Assistant, question: str, route: str
) -> None:
    assert assistant.ask(question).route == route


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [
        "我是软件公司的员工，个税能返还吗？",  # a person's own affair
        "高新技术企业有什么税收优惠？",  # the area's own relief, no grant
        "企业所得税税率是多少？",  # no support asked
        # a person's own affair in another area outweighs the policy's word (四.13's 贴息)
        "个人贷款买车有贴息吗？",
        "我个人买房贷款能贴息吗？",
    ],
)
def test_another_area_asked_otherwise_is_refused(assistant: Assistant, question: str) -> None:
    a = assistant.ask(question)
    assert a.refused and a.route == "out_of_scope"


@pytest.mark.slow
def test_a_sole_proprietorship_is_an_enterprise(assistant: Assistant) -> None:
    a = assistant.ask("我们是个人独资企业，首轮流片花了300万，能补多少？")
    assert not a.refused and [w.amount_yuan for w in a.awards] == [1_200_000]  # 300万 × 40%


@pytest.mark.slow
def test_another_places_own_policy_is_refused(assistant: Assistant) -> None:
    a = assistant.ask("深圳的流片补贴是多少？")
    assert a.refused and a.citations == []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("郑州对人工智能大模型企业有算力补贴吗？", "算力补贴"),
        ("芯片企业的厂房租金能补贴吗？", "厂房租金"),
        # named only in the key tasks (三.8), not in a support clause
        ("建设5G基站有补贴吗？", "基站"),
        # the matter is the clause before the ask, or the kind of enterprise itself
        ("我们是制造业单项冠军企业，有奖励吗？", "单项冠军"),
        # the share of known words is of the matter's words, not of 郑州/补贴/吗
        ("郑州对5G基站建设有补贴吗？", "基站"),
        # asked with a verb of receiving; the matter is that of the first sentence that asks
        ("智算中心的算力券怎么领？一家企业能领多少？", "算力券"),
        ("参加创新创业大赛获奖有奖金吗？", "奖金"),
        # a figure of a measure no award is computed on is told, not a calculation asked for
        # (the matter named is the one asked about: 研发费用, itself such a measure)
        ("我们是芯片设计企业，去年研发投入3000万，有研发费用补贴吗？", "研发费用"),
        # support asked for such a measure, whatever clause its qualifier names (四.4's 平台)
        ("双跨平台的利润有奖励吗？", "利润"),
        # the kind of enterprise is who asks; the matter is what follows it
        ("电子信息企业做软件著作权登记的费用能补贴吗？", "登记"),
        # a grant an enterprise asks for in another area (tax, social insurance): in the
        # policy's field, not provided for
        ("我们做传感器的，出口退税有没有额外奖励？", "出口退税"),
        ("我们公司给研发人员交的社保有补贴吗？", "社保补贴"),
        ("软件企业的增值税能返还吗？", "增值税"),
        # a figure that counts or prices the unprovided thing is no award's input
        ("我们去年拿到了15件实用新型专利，每件专利有奖励吗？", "专利"),
        # the count's measure word and 了 are no part of the matter named
        ("我们去年登记了9项软件著作权，有奖励吗？", "软件著作权奖励"),
        ("公司装了200个物联网网关，网关部署有补贴吗？", "网关"),
        ("我们采购仿真软件授权花了300万，仿真软件采购有补贴吗？", "仿真软件"),
        # a bare figure and a bare ask: the thing priced is the part before the figure
        ("我们采购了一套PLM系统授权，花了180万，能补贴吗？", "PLM"),
        # a count with the thing counted said before it
        ("我们的机房服务器有3000台，按服务器台数补贴吗？", "服务器"),
        # electricity is a measure no award is computed on
        ("我们的机房每年电费2000万，有没有电费补贴？", "电费"),
        ("厂里一年用电花了900万电费，这个能补电费吗？", "电费"),
        # housing for the staff an enterprise hires; a thing asked to be given free
        ("我们企业招来的工程师有购房补贴吗？", "购房"),
        ("来郑州投资半导体项目，能提供免费的办公楼吗？", "免费"),
        # a clause pointed at only to be set aside names no clause asked about
        ("企业在新三板挂牌有奖励吗？不是说揭榜挂帅那项，是挂牌本身。", "挂牌"),
    ],
)
def test_support_the_policy_does_not_provide_is_said_so(
    assistant: Assistant, question: str, topic: str
) -> None:
    a = assistant.ask(question)
    assert not a.refused and a.route == "not_provided"
    assert a.answer.startswith("本政策没有") and topic in a.answer
    assert a.award is None and a.awards == []


@pytest.mark.slow
def test_a_long_message_is_asked_at_its_end(assistant: Assistant) -> None:
    # "这几年", "截至" in the story are not questions about the policy's validity
    a = assistant.ask(
        "我们这几年一直做标识解析，截至今年6月，依托二级节点服务了80家企业，"
        "年度标识解析服务收入600万元。请问能补多少？"
    )
    assert a.route == "award" and a.award is not None and a.award.amount_yuan == 600_000


@pytest.mark.slow
def test_a_foreign_currency_is_asked_back_in_yuan(assistant: Assistant) -> None:
    a = assistant.ask("We paid USD 800k for booth rental at an expo, how much subsidy?")
    assert a.award is not None and a.award.amount_yuan is None
    assert "人民币" in a.answer


@pytest.mark.slow
def test_a_fixed_award_asked_in_words_is_computed(assistant: Assistant) -> None:
    a = assistant.ask("我们是双跨平台，总部落户郑州，有什么奖励")
    assert a.award is not None and a.award.rule == "四.4-双跨总部落户"
    assert a.award.amount_yuan == 10000000


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [
        # 四.3 names 百强 and 双跨 among who may move a headquarters here: an HQ moved is its
        # matter (一事一议, no amount), not 四.1's entry award nor the 双跨 platform's 1000万
        "总部在上海的一家全国电子信息百强企业，打算把总部搬到郑州，能给多少钱？",
        "总部在深圳的智能终端企业，想把总部迁到郑州，有什么支持？",
        "国内外主板上市的信息技术企业总部落户郑州，给多少钱？",
    ],
)
def test_a_headquarters_moved_here_is_negotiated(assistant: Assistant, question: str) -> None:
    a = assistant.ask(question)
    assert not a.refused and "一事一议" in a.answer
    assert all(w.amount_yuan is None for w in a.awards)
    assert "四.3" in [c.id for c in a.citations[:3]]


@pytest.mark.slow
@pytest.mark.parametrize("question", ["投了800万，能补多少？", "获评了一个国家级称号，奖励多少？"])
def test_an_amount_asked_of_no_named_award_is_asked_back(
    assistant: Assistant, question: str
) -> None:
    a = assistant.ask(question)
    assert not a.refused and a.awards == []
    assert a.answer.startswith("请问")


@pytest.mark.slow
def test_a_platform_headquarters_keeps_its_fixed_award(assistant: Assistant) -> None:
    a = assistant.ask("双跨平台把总部搬到郑州能奖多少？")
    assert a.award is not None and a.award.rule == "四.4-双跨总部落户"
    assert a.award.amount_yuan == 10000000


@pytest.mark.slow
def test_every_award_of_a_compound_question_is_in_the_answer(assistant: Assistant) -> None:
    a = assistant.ask("流片花了600万，另外在新华社做了产品广告200万，各补多少？")
    assert [(x.rule, x.amount_yuan) for x in a.awards] == [
        ("四.10", 2400000),
        ("四.17-央媒广告", 100000),
    ]
    assert a.award == a.awards[0]
    cited = [c.id for c in a.citations[:3]]
    assert "四.10" in cited and "四.17" in cited


@pytest.mark.slow
def test_traditional_and_simplified_questions_get_the_same_answer(assistant: Assistant) -> None:
    simplified = assistant.ask(
        "我们的营业收入去年八千万，今年一亿，是入库的规上传感器企业，奖励多少？"
    )
    traditional = assistant.ask(
        "我們的營業收入去年八千萬，今年一億，是入庫的規上傳感器企業，獎勵多少？"
    )
    assert simplified.award is not None and simplified.award.amount_yuan == 1250000  # 25 点 × 5万
    assert traditional.award == simplified.award
    assert traditional.answer == simplified.answer
    assert "繁体已转为简体" in traditional.understood


@pytest.mark.slow
def test_english_terms_are_read_as_the_policys_own(assistant: Assistant) -> None:
    a = assistant.ask("expo booth and decoration cost 800k RMB, how much subsidy?")
    assert not a.refused
    assert a.award is not None and a.award.amount_yuan == 560000  # 80万 × 70%


# Traditional wording, typos of policy terms and English questions that the lexicon files
# (not code) now read; each amount is worked out from the clause text.
@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "rule", "amount"),
    [
        # 奖励金额 is one word: the regional 奖励金 → 奖励 must not cut it (and 金额 asks)
        ("本企業係規模以上工業企業，首次取得貫標三級證書，獎勵金額為何？", "四.11", 300000),
        # a count of identifiers in 个 as well as 条: 1000万 ÷ 200万 = 5档 × 10万
        (
            "依托郑州标识解析节点，新增标识注册量1000万个，解析量1.2亿次，奖多少",
            "四.5-标识注册量",
            500000,
        ),
        # the funding named, not the platform told about: 1000万 × 50%
        ("平台拿到国家级工业互联网资金1000万，市里陪套多少？", "四.4-上级资金配套", 5000000),
        (
            "Our platform got 6 million yuan of provincial industrial internet funding. "
            "What matching award does the city give?",
            "四.4-上级资金配套",
            3000000,
        ),
        (
            "Our cross-industry industrial internet platform was recognised by MIIT. "
            "How much is the one-off award?",
            "四.4-双跨平台认定",
            10000000,
        ),
        (
            "DCMM level-4 certificate for the first time, we are above designated size. Reward?",
            "四.11",
            400000,
        ),
        # homophone typos of the booth's cost words (展位费, 布展费 are terms): 30万 × 70%
        ("展为费和不展费一共30万，补多少", "四.17-展会补贴", 210000),
        # 智能化改… is a retrofit whatever the next character is: 2000万 × 20%, not 四.12
        ("智能化改在项目设备投资2000万补多少", "四.13-智能化改造", 4000000),
        # formal/Taiwan wording: 几何 asks 多少; 成長 is 增长; 由…至… is from…to (20点 × 5万)
        (
            "貴公司好，我司係規上工業企業，獲得智能製造能力成熟度三級證書，請問獎勵幾何？",
            "四.11",
            300000,
        ),
        ("我們營業額由5億成長至6億，屬入庫規上晶圓企業，請問可領多少獎勵？", "四.2", 1000000),
        # "150k for setup" is the booth's build-up cost: (35 + 15)万 × 70%
        (
            "What does the policy give for attending trade fairs? "
            "We paid 350k yuan for the booth and 150k for setup.",
            "四.17-展会补贴",
            350000,
        ),
        # passive English: a title "was awarded" is one obtained
        ("Our provincial smart factory title was just awarded. Reward?", "四.15", 500000),
        (
            "We got our first two-integration management system certificate back before "
            "graded assessment started; we are above designated size. Reward?",
            "四.11-首次获证",
            100000,
        ),
        # a place and a subsidiary of our own are evidence, not a second award: 30点 × 5万
        (
            "我们总部在香港，在郑州高新区注册了全资控股子公司做传感器，去年营收1亿，"
            "今年1.3亿，已入库规上，奖多少",
            "四.2",
            1500000,
        ),
        # a terse ask with 一次性 before it
        ("获得国家级试点示范项目称号，一次性奖励？", "四.14", 1000000),
    ],
)
def test_regional_typo_and_english_wording_gets_the_award(
    assistant: Assistant, question: str, rule: str, amount: int
) -> None:
    a = assistant.ask(question)
    assert not a.refused
    assert a.award is not None and a.award.rule == rule and a.award.amount_yuan == amount


@pytest.mark.slow
@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        (
            "智慧化改造專案，設備與軟體投資共計2,800萬元，能拿多少補貼？",
            "智能化改造项目，设备与软件投资共计2800万元，能拿多少补贴？",
        ),
        (
            "工業網際網路標識解析二級節點已獲認定，我們是牽頭單位，建設金額1.5億，補貼多少？",
            "工业互联网标识解析二级节点已获认定，我们是牵头单位，建设金额1.5亿，补贴多少？",
        ),
        (
            "本企業係規模以上工業企業，首次取得貫標三級證書，獎勵金額為何？",
            "本企业系规模以上工业企业，首次取得贯标三级证书，奖励金额为何？",
        ),
    ],
)
def test_hand_written_traditional_questions_get_the_simplified_award(
    assistant: Assistant, traditional: str, simplified: str
) -> None:
    t, s = assistant.ask(traditional), assistant.ask(simplified)
    assert s.award is not None and s.award.amount_yuan is not None
    assert t.award == s.award


def test_a_time_in_the_story_is_no_question_of_validity() -> None:
    from assistant.route import _asking_parts

    asking = "前几年一直在做代工，今年首轮流片花了500万，请问流片这块能补多少？"
    assert "几年" not in _asking_parts(asking)
    assert "有效期" in _asking_parts("这个政策的有效期是几年？")


def test_a_word_of_the_story_is_no_question_of_departments() -> None:
    from assistant.route import _asking_parts

    asking = "郑州这边参加了产业转移对接活动的展会，展位费12万，补多少"
    assert "对接" not in _asking_parts(asking)
