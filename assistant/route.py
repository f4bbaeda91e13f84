"""Route: what kind of question this is — or that it is outside the loaded policies.

Out of scope is decided from the question itself (patterns in scope.yaml, places
outside the policy's jurisdiction) and from retrieval evidence: how much of the
question's vocabulary the policies use at all, and how far the best clause stands
above the rest. e5 similarities are compressed (unrelated clauses still score about
0.84), so no absolute similarity cut-off is used alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import jieba
from pydantic import BaseModel

from assistant.numbers import NumberError, extract_quantities
from assistant.understand.amounts import foreign_amounts
from assistant.understand.asks import part_asks
from assistant.understand.lexicon import general_pattern, general_words
from knowledge.base import ClauseHit, KnowledgeBase
from knowledge.tokenize import reference_tokens, tokenize
from knowledge.yaml_load import safe_load

RouteKind = Literal[
    "award",
    "departments",
    "eligibility",
    "validity",
    "lookup",
    "fact",
    "not_provided",
    "out_of_scope",
]
SCOPE_FILE = Path(__file__).with_name("scope.yaml")
# the reason of an award question that no rule's own evidence points at (a fact route then)
NO_AWARD_RULE = "no award rule applies"

# What kind of question, from its wording (assistant/understand/general_lexicon.yaml).
_DEPARTMENTS = general_pattern("asks_departments")
_ELIGIBILITY = general_pattern("asks_eligibility")
_VALIDITY = general_pattern("asks_validity")
_ADMIN_SUFFIX = general_pattern("admin_suffix")
# The same ending found anywhere: a question without one holds no word ending so, and is
# not given to the part-of-speech tagger (its slowest step for most questions).
_ADMIN_SUFFIX_ANYWHERE = re.compile(_ADMIN_SUFFIX.pattern.removesuffix("$"))
_LOOKUP = general_pattern("asks_lookup")
_RECOGNISED_TITLE = general_pattern("recognised_title")


def _quantities(text: str) -> list:
    try:
        return extract_quantities(text)
    except NumberError:
        return []


class Evidence(BaseModel):
    """What retrieval says about the question, for the route decision and for tests."""

    coverage: float  # IDF-weighted share of the question's words that the policies use
    known_words: list[str]
    unknown_words: list[str]
    top_dense: float | None
    dense_margin: float | None  # top dense similarity minus the 5th
    ranks_agree: bool  # the best clause is in both rankings' top 3
    clause_reference: bool


class Route(BaseModel):
    kind: RouteKind
    reason: str
    evidence: Evidence | None = None
    # for not_provided: what the user asked for that no clause provides ("算力补贴")
    topic: str | None = None


def _posseg() -> Any:
    """jieba's part-of-speech tagger, imported on first use: its HMM tables take ~0.5 s to
    import, off a server's path to ready."""
    import jieba.posseg

    return jieba.posseg


class Router:
    """Decides a route from patterns, places and retrieval evidence."""

    # Retrieval evidence is the fallback behind the evidence rules (a named clause topic, a
    # refusal pattern, another place's policy, support not provided). Fitted on evals/dev only
    # (2026-12-01): of the 204 in-scope single-turn dev questions that reach the fallback the
    # lowest top dense similarity is 0.852 and, among those with coverage < 0.3, the lowest
    # coverage is 0.286; the 3 out-of-scope dev questions that reach it have coverage ≤ 0.133.
    MIN_COVERAGE = 0.28
    LOW_DENSE = 0.87
    NOTHING_CLOSE = 0.84
    WEAK_COVERAGE = 0.55  # below this a turn is not taken to name a topic (condense)
    # A support question whose words the policies use this much is about a clause, however
    # worded; below it, words the policies never use are its subject (evals/dev). The share is
    # of the words that name the matter (郑州, 补贴, 企业, 吗 left out); re-checked 2026-12-02 on
    # evals/dev (chain, understanding, understanding2*): no in-scope case falls below it.
    PROVIDED_COVERAGE = 0.8
    TOPIC_REACH = 12  # characters from the unknown subject to the word of support

    def __init__(
        self,
        knowledge: KnowledgeBase,
        is_award_question,
        names_policy: Callable[[str], bool] = lambda text: False,
        support_clauses: Sequence[str] = (),
        support_terms: Sequence[str] = (),
    ) -> None:
        self._knowledge = knowledge
        self._is_award_question = is_award_question
        self._names_policy = names_policy  # the question names a clause topic or rule keyword
        scope = safe_load(SCOPE_FILE.read_text("utf-8"))
        self._veto_patterns = [
            (name, re.compile(p))
            for name, group in scope.items()
            if isinstance(group, dict) and group.get("veto") and "patterns" in group
            for p in group["patterns"]
        ]
        # (a group marked asked_only is read only in what is asked, never as evidence besides:
        # "我们公司给员工发的加班费有补贴吗" asks for support not provided, it is not refused)
        self._refusal_patterns = [
            (name, re.compile(p))
            for name, group in scope.items()
            if isinstance(group, dict)
            and not group.get("veto")
            and not group.get("asked_only")
            and "patterns" in group
            for p in group["patterns"]
        ]
        # what a question asks about (jobs, standards, fares …), read in its asking sentences
        self._asked_matters = [
            (name, re.compile(p))
            for name, group in scope.items()
            if isinstance(group, dict)
            and group.get("asked_matter")
            and not group.get("over_topics")
            for p in group.get("patterns", [])
        ]
        # … and those a clause topic in the asking sentence does not outweigh (a complaint, a
        # market price, homework: the policy's word is only what they are about)
        self._asked_over_topics = [
            (name, re.compile(p))
            for name, group in scope.items()
            if isinstance(group, dict) and group.get("asked_matter") and group.get("over_topics")
            for p in group.get("patterns", [])
        ]
        other_areas = scope.get("other_policy_areas") or {}
        self._in_field_areas = [re.compile(p) for p in other_areas.get("support_in_field", [])]
        of_policy = other_areas.get("asked_of_this_policy") or {}
        self._of_policy = (
            (
                re.compile(of_policy["asks"]),
                re.compile(of_policy["areas"]),
                re.compile(of_policy.get("not_personal") or r"(?!)"),
            )
            if of_policy.get("asks") and of_policy.get("areas")
            else None
        )
        self._enterprise_words = [w for w in scope.get("enterprise_words", []) if w]
        self._personal_affairs = [re.compile(p) for p in scope.get("personal_affairs", [])]
        self._grant_words = [w for w in scope.get("grant_words", []) if w]
        self._support_words = [w for w in scope.get("support_words", []) if w]
        self._support_asks = [w for w in scope.get("support_asks", []) if w]
        self._free_words = [w for w in scope.get("free_words", []) if w]
        self._support_verbs = [w for w in scope.get("support_verbs", []) if w]
        # what asking about a place's own policy says ("…有什么补贴/支持/好处", "…的政策")
        self._place_support_words = [w for w in self._support_words if len(w) >= 2] + [
            w for w in scope.get("policy_words", []) if w
        ]
        self._function_words = set(scope.get("function_words", []))
        self._spending_words = set(scope.get("spending_words", []))
        self._generic_subjects = set(scope.get("generic_subjects", []))
        self._english_function = set(scope.get("english_function_words", []))
        documents = [tokenize(c.text + " " + c.title) for c in knowledge.clauses()]
        # Words people use about any policy (政策, 申请, 有效期 …) count as known vocabulary.
        generic = {w for phrase in scope.get("domain_words", []) for w in tokenize(phrase)}
        # words that say nothing of the matter asked about (企业, 补贴, 郑州, 能, 吗): left out of
        # the share of the matter's words that the support clauses use
        self._not_matter = (
            generic
            | self._function_words
            | self._generic_subjects
            | {w for phrase in self._support_words for w in tokenize(phrase)}
        )
        self._vocabulary = {word for doc in documents for word in doc} | generic
        # What the support clauses themselves (those with award rules) and their question
        # vocabulary say: a matter named only in the tasks or the background ("5G基站建设" in
        # 三.8) is in the policy but not provided for. Without them, the whole vocabulary.
        self._support_terms = [t for t in support_terms if t]
        wanted = set(support_clauses)
        support_docs = [
            tokenize(c.text + " " + c.title)
            for c in knowledge.clauses()
            if knowledge.qualified_id(c) in wanted
        ]
        self._support_vocabulary = (
            {w for doc in support_docs for w in doc}
            | {w for term in support_terms for w in tokenize(term)}
            | generic
            if support_docs
            else self._vocabulary
        )
        self._jurisdiction = {w for p in knowledge.policies() for w in p.jurisdiction}
        compare = scope.get("jurisdiction_comparison")
        self._comparisons = (
            [re.compile(compare.replace("{place}", re.escape(j))) for j in self._jurisdiction]
            if compare
            else []
        )
        askers = scope.get("asker_outside_field") or {}
        self._outside_asker = (
            re.compile(
                askers["askers"]
                + r"[^，,。；;！!？?]{0,6}?"
                + askers["verbs"]
                + r"[^，,。；;！!？?]{0,6}?(?P<business>"
                + "|".join(
                    re.escape(b) for b in sorted(askers["businesses"], key=len, reverse=True)
                )
                + ")"
            )
            if askers.get("businesses")
            else None
        )
        # (within a few characters after the business: 餐厅点餐系统, 奶茶店的收银软件)
        self._outside_asker_not = re.compile(
            r"[^，,。；;！!？?]{0,4}?" + (askers.get("not_followed_by") or r"(?!)"), re.IGNORECASE
        )
        self._places = [p for p in scope.get("places", []) if p not in self._jurisdiction]

    def evidence(self, question: str, hits: Sequence[ClauseHit]) -> Evidence:
        words = [w for w in dict.fromkeys(tokenize(question)) if not w.isdigit()]
        known = [w for w in words if w in self._vocabulary]
        unknown = [w for w in words if w not in self._vocabulary]

        def weight(word: str) -> int:  # longer words carry more meaning than single characters
            return min(len(word), 4)

        total = sum(weight(w) for w in words) or 1
        coverage = sum(weight(w) for w in known) / total
        dense = sorted((h.dense_score for h in hits if h.dense_score is not None), reverse=True)
        top = hits[0] if hits else None
        return Evidence(
            coverage=round(coverage, 3),
            known_words=known,
            unknown_words=unknown,
            top_dense=dense[0] if dense else None,
            dense_margin=(dense[0] - dense[-1]) if len(dense) >= 2 else None,
            ranks_agree=bool(top and (top.dense_rank or 99) <= 3 and (top.bm25_rank or 99) <= 3),
            clause_reference=bool(reference_tokens(question)),
        )

    def warm_up(self) -> None:
        """Load jieba's part-of-speech tables now (~0.5 s) rather than at the first question."""
        _posseg()

    def other_place(self, question: str) -> str | None:
        """A place outside the policy's jurisdiction (深圳, 江苏, 北京市 …): one in the
        gazetteer, or a word jieba tags as a place that ends like an administrative unit."""
        for place in self._places:
            if place in question:
                return place
        if not _ADMIN_SUFFIX_ANYWHERE.search(question):
            return None
        for word, flag in _posseg().lcut(question):
            is_unit = flag.startswith("ns") and len(word) >= 3 and _ADMIN_SUFFIX.search(word)
            if is_unit and not any(j in word for j in self._jurisdiction):
                return word
        return None

    def _asks_other_places_policy(self, question: str) -> str | None:
        """Another place whose own policy is asked about ("深圳的流片补贴"): the place stands
        right before a word of support or policy and the question names no place of ours.
        A place as background ("在苏州也有工厂", "在深圳参展") is only evidence."""
        ours = question
        for pattern in self._comparisons:  # "跟郑州比怎么样": ours only as the comparison
            ours = pattern.sub("", ours)
        if any(j in ours for j in self._jurisdiction):
            return None
        place = self.other_place(question)
        if place is None:
            return None
        # the place's own part of the sentence ("深圳对集成电路企业流片有什么补贴")
        after = re.split(r"[，,。；;！!？?]", question[question.find(place) + len(place) :])[0]
        if any(w in after for w in self._place_support_words):
            return place
        return None

    def refusal(self, question: str) -> str | None:
        """Why this turn, on its own words, is outside what the assistant covers.

        Only instructions to the assistant veto; other patterns (other policy areas, chit-chat)
        and other places are evidence that a question naming a clause's topic outweighs."""
        for name, pattern in self._veto_patterns:
            if pattern.search(question):
                return f"{name}: {pattern.pattern}"
        asked = self._asked_matter(question)
        if asked:
            return asked
        place = self._asks_other_places_policy(question)
        if place:
            return f"other place's policy: {place}"
        if self.other_area_in_field(question):
            return None  # support an enterprise asks for in another area: not provided
        qualified = self._other_area_qualifies_topic(question)
        if qualified:
            return qualified
        personal = self._personal_affair(question)
        if personal:
            return personal
        outside = self._asker_outside_field(question)
        if outside:
            return outside
        asking = _asking_sentences(question)
        if asking != question and not self._names_policy(asking):
            # "郑州明天会下雨吗？我要去参加展会": what is asked is the weather; the policy's word
            # stands only in a sentence that tells, not in the one that asks
            for name, pattern in self._refusal_patterns:
                if pattern.search(asking):
                    return f"{name}: {pattern.pattern}"
        if self._names_policy(question) or reference_tokens(question):
            return None
        for name, pattern in self._refusal_patterns:
            if pattern.search(question):
                return f"{name}: {pattern.pattern}"
        return None

    def _asks_support(self, question: str) -> bool:
        """A word of support (补贴, 奖励 …; not the single characters 补/奖) or a verb asking for
        it (能补吗, 怎么领) is said."""
        return any(len(w) >= 2 and w in question for w in self._support_words) or any(
            w in question for w in self._support_asks
        )

    def _asked_matter(self, question: str) -> str | None:
        """An everyday matter (a job, a standard's text, a course, a fare, paying rent) that the
        sentences which ask are about, when no support is asked for and no clause is named by
        number: what is asked outweighs the policy's words around it ("郑州高新区的芯片企业
        招不招应届生" is about a job, not 三.16) — but not a clause topic in the same sentence."""
        if self._asks_support(question) or reference_tokens(question):
            return None
        asking = _asking_sentences(question)
        for name, pattern in self._asked_over_topics:
            if pattern.search(asking):
                return f"{name}: {pattern.pattern}"
        if self._names_policy(asking):
            return None
        for name, pattern in self._asked_matters:
            if pattern.search(asking):
                return f"{name}: {pattern.pattern}"
        return None

    def _asker_outside_field(self, question: str) -> str | None:
        """Who asks, as evidence: the asker says it runs a business the policy's field does not
        take in ("我们开了两家火锅店…", "我是开面包店的"), whatever clause words it also says (展位,
        引导基金) — unless what it makes is the field's product for such businesses (点餐系统)."""
        if self._outside_asker is None:
            return None
        for m in self._outside_asker.finditer(question):
            if not self._outside_asker_not.match(question, m.end()):
                return f"asker outside the field: {m.group('business')}"
        return None

    def _personal_affair(self, question: str) -> str | None:
        """A person's own affair in another policy area ("个人贷款买车有贴息吗", "我是…员工，买房
        有补贴吗"): refused whatever policy word it also says (贴息 is 四.13's only for an
        enterprise's project)."""
        if not any(p.search(question) for p in self._personal_affairs):
            return None
        for name, pattern in self._refusal_patterns:
            if name == "other_policy_areas" and pattern.search(question):
                return f"personal affair, {name}: {pattern.pattern}"
        return None

    def other_area_in_field(self, question: str) -> str | None:
        """The words of another policy area (出口退税, 社保, 个税) in which an enterprise asks for
        support this policy might be expected to give, or None: the question asks for a grant
        (奖励, 补贴, 返还 — not the area's own relief, 税收优惠), an enterprise asks (企业, 公司,
        招聘 …), it is no person's own affair (个人, 我是…员工) and it asks whether there is
        such support. Such a question is in the field but not provided for; the same
        words asked by a person, or without a grant asked ("所得税税率是多少"), are another
        area's and refused."""
        if any(p.search(question) for p in self._personal_affairs):
            return None
        asked_of_policy = self._asked_of_this_policy(question)
        if asked_of_policy:
            return asked_of_policy
        found = next((m for p in self._in_field_areas if (m := p.search(question))), None)
        if found is None or not any(w in question for w in self._grant_words):
            return None  # a relief of that area itself (税收优惠, 减免) is its own law
        if not any(w in question for w in self._enterprise_words):
            return None
        if any(p.search(question) for p in self._personal_affairs):
            return None
        return found.group(0)

    def _asked_of_this_policy(self, question: str) -> str | None:
        """An enterprise's tax preference (增值税即征即退, 所得税两免三减半) asked of this document
        itself ("这份意见里有规定吗"): the preference's words, or None. Not a person's own tax."""
        if self._of_policy is None:
            return None
        asks, areas, personal = self._of_policy
        if not asks.search(question) or personal.search(question):
            return None
        found = areas.search(question)
        return found.group(0) if found else None

    def other_area_topic(self, question: str) -> str | None:
        """What an enterprise asks for in another area, as the answer names it ("出口退税奖励"):
        the area's words up to the word of support when they are near, else the two together."""
        area = self.other_area_in_field(question)
        if area is None:
            return None
        support = [w for w in self._grant_words if w in question]
        if support:
            phrase = self._topic_phrase(question, support, [area.lower()], keep_word=True)
            if phrase and area in phrase and len(phrase) <= len(area) + self.TOPIC_REACH:
                return phrase
            word = min(support, key=lambda w: (question.find(w), -len(w)))
            return area + word
        return area

    # Characters after "的" in which the policy's own word must begin for another policy
    # area's word to qualify it ("创业担保贷款的贴息"): the head noun of the phrase.
    HEAD_REACH = 4

    def _other_area_qualifies_topic(self, question: str) -> str | None:
        """ "个人创业担保贷款的贴息": the policy's word (贴息) is the head of a phrase whose
        qualifier is another policy area's matter, so the question is about that area, not the
        clause; "新能源汽车的芯片首轮流片" keeps the policy's matter (芯片 is the head)."""
        for name, pattern in self._refusal_patterns:
            if name != "other_policy_areas":
                continue
            for m in pattern.finditer(question):
                rest = re.split(r"[，,。；;！!？?]", question[m.end() :])[0]
                if rest.startswith("的") and self._names_policy(rest[1 : 1 + self.HEAD_REACH]):
                    return f"{name}: {pattern.pattern}"
        return None

    @staticmethod
    def _other_measure(question: str, q: Any) -> bool:
        """The words right before the figure name a measure no award is computed on."""
        start = max(question.rfind(p, 0, q.span[0]) for p in "，,。；;！!？?") + 1
        before = question[start : q.span[0]]
        return any(w in before for w in general_words("other_measures"))

    def unprovided_topic(self, question: str, evidence: Evidence) -> str | None:
        """What a question asks support for that no clause provides ("算力补贴"), or None.

        In the policy's field (it asks about support) but its subject is words the policies
        do not use, and it names no clause topic or rule keyword of its own."""
        if self._names_policy(question) or evidence.clause_reference:
            return None
        # a stated amount or count is a calculation being asked for, not a new matter — unless
        # every figure is a measure no award is computed on ("研发投入3000万，有研发费用补贴吗")
        # or is said of a thing the support clauses never name ("新建了300个基站", "买XX软件
        # 花了400万"): a figure of the unprovided matter itself
        if any(
            q.kind in ("money", "count", "percent")
            and not self._other_measure(question, q)
            and not self._figure_of_unknown(question, q)
            for q in _quantities(question)
        ):
            return None
        if foreign_amounts(question):  # "$150k", "EUR 500k": a figure too, in another currency
            return None
        support = [w for w in self._support_words if len(w) >= 2 and w in question]
        asks = [w for w in self._support_asks if w in question]
        free = [w for w in self._free_words if w in question]
        if not support and not asks and free:
            return self._free_topic(question, free)
        if not support and not asks:
            return None
        word = min([*support, *asks], key=lambda w: (question.find(w), -len(w)))
        words = self._matter_words(question)
        unknown = [w for w in words if w not in self._support_vocabulary]
        subject = [w for w in unknown if len(w) >= 2 and not re.search(r"\d", w)]
        coverage = self._matter_coverage(words)
        # "网络安全企业做等保测评的费用": the kind of enterprise is who asks; the matter is what
        # follows it in the clause that asks — its share counts when it is the lower
        after = self._after_subject(question, word)
        if after:
            coverage = min(coverage, self._matter_coverage(self._matter_words(after)))
        if not subject or coverage >= self.PROVIDED_COVERAGE:
            return None
        if support:
            return self._topic_phrase(question, support, subject, keep_word=True)
        return self._topic_phrase(question, asks, subject, keep_word=False)

    def _figure_of_unknown(self, question: str, q: Any) -> bool:
        """The figure counts or prices a thing the support clauses never use, no input of an
        award: a count followed by that thing ("新建了300个5G基站", "获得了20项发明专利"), or an
        amount in whose part (between punctuation and 、) that thing is named and named again
        where support is asked ("买EDA工具软件花了400万，…对EDA工具采购有补贴吗"). A rule's own
        word in the part (营收, 流片费用 — not a time such as 今年) makes it an award's input."""
        cut = "，,。；;！!？?、"
        start = max(question.rfind(p, 0, q.span[0]) for p in cut) + 1
        ends = [i for p in cut if (i := question.find(p, q.span[1])) >= 0]
        end = min(ends) if ends else len(question)
        part = question[start:end]
        if any(len(t) >= 2 and t not in _TIME_WORDS and t in part for t in self._support_terms):
            return False

        def names(text: str) -> list[str]:
            return [
                w
                for w in self._matter_words(text)
                if w not in self._not_matter
                and len(w) >= 2
                and not re.search(r"[\d万亿元.]", w)  # figures and units ("亿元") recur freely
            ]

        if q.kind == "count":
            named = question[q.span[1] : end]
            if not names(named):  # "机架有5000个": the thing counted is said before the figure
                named = question[start : q.span[0]]
        else:
            named = part
            rest = question[:start] + "。" + question[end:]
            if not names(part) and start > 0 and not names(question[end:]):
                # "买了一批XX软件许可，花了250万，能补贴吗": a bare figure and a bare ask; the
                # thing priced is the part before the figure's
                begin = max(question.rfind(p, 0, start - 1) for p in cut) + 1
                named = question[begin : start - 1]
                if any(
                    len(t) >= 2 and t not in _TIME_WORDS and t in named for t in self._support_terms
                ):
                    return False
                words = names(named)
                return bool(words) and self._matter_coverage(words) < self.PROVIDED_COVERAGE
        unknown = [w for w in names(named) if w not in self._support_vocabulary]
        if q.kind == "count":
            return bool(unknown)
        return any(w in rest.lower() for w in unknown)

    def _free_topic(self, question: str, free: Sequence[str]) -> str | None:
        """Something asked to be given free ("能给免费的厂房吗" → 免费厂房) that the support
        clauses never name: the words after the free word in its clause."""
        word = min(free, key=lambda w: (question.find(w), -len(w)))
        at = question.find(word) + len(word)
        rest = re.split(r"[，,。；;！!？?]", question[at:])[0]
        kept = [
            t
            for t in jieba.lcut(rest)
            if t.strip()
            and t not in self._function_words
            and t.lower() not in self._english_function
        ]
        unknown = [
            w for w in self._matter_words(rest) if w not in self._support_vocabulary and len(w) >= 2
        ]
        if not kept or not unknown:
            return None
        return word + "".join(kept)

    def unprovided_measure(self, question: str) -> str | None:
        """Support asked for a measure no award is computed on (研发投入, 利润, 社保 …), whatever
        clause the words before it name: "工业互联网平台的研发投入有补助吗" asks about 研发投入,
        not 四.4's revenue subsidy ("研发投入补助"). The measure is the head of what is asked —
        after the last 的 before the word of support — and that head names no clause itself."""
        if reference_tokens(question) or foreign_amounts(question):
            return None
        if any(
            q.kind in ("money", "count", "percent") and not self._other_measure(question, q)
            for q in _quantities(question)
        ):
            return None  # a figure of an award's input: a calculation asked for
        support = [w for w in self._support_words if len(w) >= 2 and w in question]
        if not support:
            # "能补电费吗": the verb of support right before such a measure
            said = [
                m
                for m in general_words("other_measures")
                if any(v + m in question for v in self._support_verbs)
                and not any(m in t for t in self._support_terms)
            ]
            if said and not self._names_policy(question):
                return max(said, key=len) + self._support_verbs[0]
            return None
        word = min(support, key=lambda w: (question.find(w), -len(w)))
        head = self._head_of_ask(question, word)
        tokens = jieba.lcut(head)
        # where words begin and end: 房租 inside 厂房租金 (厂房 + 租金) is no word said
        bounds, at = {0}, 0
        for t in tokens:
            at += len(t)
            bounds.add(at)
        # a measure some loaded rule does compute on (another policy's 房租补贴) is no such measure
        measure = [
            m
            for m in general_words("other_measures")
            if (i := head.find(m)) >= 0
            and {i, i + len(m)} <= bounds
            and not any(m in t for t in self._support_terms)
        ]
        if not measure or self._names_policy(head + word):
            return None
        # the head as said, less 有/能/的 and untranslated English function words, and after
        # the policy or asker it belongs to ("这个…政策里有电价补贴" → 电价补贴)
        generic = [i for i, t in enumerate(tokens) if t in self._generic_subjects]
        if generic and generic[-1] + 1 < len(tokens):
            tokens = tokens[generic[-1] + 1 :]
        kept = [
            t
            for t in tokens
            if t.strip()
            and t not in self._function_words
            and t.lower() not in self._english_function
        ]
        return "".join(kept) + word

    def support_phrase(self, question: str) -> str | None:
        """What support is asked for, as said before the word of support and less the policy,
        the asker and function words ("这个政策有没有购买软件的补贴" → 购买软件补贴), or None."""
        support = [w for w in self._support_words if len(w) >= 2 and w in question]
        if not support:
            return None
        word = min(support, key=lambda w: (question.find(w), -len(w)))
        at = question.find(word)
        start = max(question.rfind(p, 0, at) for p in "，,。；;！!？?") + 1
        parts = [question[start:at]]
        if start > 0:  # "花了120万买仿真软件，有补贴吗": the thing is in the clause before the ask
            begin = max(question.rfind(p, 0, start - 1) for p in "，,。；;！!？?") + 1
            parts.append(question[begin : start - 1])
        for part in parts:
            tokens = jieba.lcut(part)
            generic = [i for i, t in enumerate(tokens) if t in self._generic_subjects]
            if generic:
                tokens = tokens[generic[-1] + 1 :]
            kept = [
                t
                for t in tokens
                if t.strip()
                and t not in self._function_words
                and t not in self._spending_words
                and t not in _ASPECT_PARTICLES
                and t not in _TIME_WORDS
                and not re.search(r"[\d万亿元]", t)
                and t.lower() not in self._english_function
            ]
            if kept:
                return "".join(kept) + word
        return None

    def _matter_words(self, text: str) -> list[str]:
        return [
            w
            for w in dict.fromkeys(tokenize(text))
            if not w.isdigit() and w.lower() not in self._english_function
        ]

    def _matter_coverage(self, words: Sequence[str]) -> float:
        """The weighted share of the words naming the matter that the support clauses use
        (the share is of "5G基站建设", not of 郑州/补贴/吗)."""
        unknown = [w for w in words if w not in self._support_vocabulary]
        words = [w for w in words if w not in self._not_matter] or list(words)
        unknown = [w for w in unknown if w in words]
        total = sum(min(len(w), 4) for w in words) or 1
        return 1 - sum(min(len(w), 4) for w in unknown) / total

    @staticmethod
    def _clause_before(question: str, word: str) -> str:
        """The part of the sentence before the word of support, from the last punctuation."""
        at = question.find(word)
        start = max(question.rfind(p, 0, at) for p in "，,。；;！!？?") + 1
        return question[start:at]

    def _head_of_ask(self, question: str, word: str) -> str:
        """What support is asked for: the words after the last 的 before the word of support
        ("工业互联网平台的研发投入有补助吗" → 研发投入有)."""
        part = self._clause_before(question, word)
        return part[part.rfind("的") + 1 :]

    def _after_subject(self, question: str, word: str) -> str:
        """The words after the last general subject (企业, 公司 …) before the word of support,
        in its clause, when any name something ("网络安全企业做等保测评的费用" → 做等保测评的
        费用)."""
        part = self._clause_before(question, word)
        ends = [part.rfind(g) + len(g) for g in self._generic_subjects if g in part]
        if not ends:
            return ""
        rest = part[max(ends) :]
        named = [w for w in self._matter_words(rest) if w not in self._not_matter]
        return rest if named else ""

    def _topic_phrase(
        self, question: str, support: Sequence[str], subject: Sequence[str], keep_word: bool
    ) -> str | None:
        """From the earliest unknown word shortly before the word of support to that word,
        less function words: "厂房租金能补贴吗" → 厂房租金补贴, "有算力补贴吗" → 算力补贴."""
        # the first word of support said, the longest of those at one place ("补贴" over "补"):
        # "算力券怎么领？一家企业能领多少？" asks about the 算力券 of its first sentence
        word = min(support, key=lambda w: (question.find(w), -len(w)))
        at = question.find(word)
        start = max(question.rfind(p, 0, at) for p in "，,。；;！!？?") + 1
        low = question.lower()  # the subject words are tokenised lower case (cmmi)
        if not any(0 <= low.find(w, start) < at for w in subject) and start > 0:
            # "我们是专精特新小巨人企业，有奖励吗": the matter is the clause before the ask
            begin = max(question.rfind(p, 0, start - 1) for p in "，,。；;！!？?") + 1
            part = question[begin : start - 1]
            if begin > 0 and not any(w in part.lower() for w in subject):
                # "买了一批XX软件，花了250万，能补贴吗": past a bare figure to what it prices
                said = [
                    w
                    for w in self._matter_words(part)
                    if len(w) >= 2 and not re.search(r"[\d万亿元.]", w)
                ]
                if _quantities(part) and not said:
                    end = begin - 1
                    begin = max(question.rfind(p, 0, end) for p in "，,。；;！!？?") + 1
                    part = question[begin:end]
            # "被认定为XX企业！按这个政策，能拿多少奖励": past parts that only name the policy
            for _ in range(2):
                if begin <= 0 or any(w in part.lower() for w in subject):
                    break
                if self._names_policy(part) or _quantities(part):
                    break
                end = begin - 1
                begin = max(question.rfind(p, 0, end) for p in "，,。；;！!？?") + 1
                part = question[begin:end]
            title = _RECOGNISED_TITLE.search(part)
            if title and any(w in title.group("title").lower() for w in subject):
                part = title.group("title")  # the title itself, less 被工信部认定为
            # figures and times are facts told, not the matter ("去年研发投入3000万" → 研发投入)
            skip = self._function_words | self._generic_subjects | {"是", "属于", "作为"}
            skip |= _TIME_WORDS
            tokens = jieba.lcut(part)
            kept = [
                t
                for i, t in enumerate(tokens)
                if t not in skip
                and t.strip()
                and not re.search(r"[\d万亿]", t)
                and t not in _ASPECT_PARTICLES
                # the measure word of a count ("12项"): no part of the matter
                and not (len(t) == 1 and i > 0 and re.search(r"\d", tokens[i - 1]))
            ]
            if not any(w in part.lower() for w in subject) or not kept:
                return None
            return "".join(kept) + (word if keep_word else "")
        start = max(start, at - self.TOPIC_REACH)
        found = [low.find(w, start) for w in subject]
        # at == at: the word of support is itself the matter ("有安家费吗")
        found = [p for p in found if start <= p <= at and (keep_word or p < at)]
        if not found:
            return None
        tokens = jieba.lcut(question[min(found) : at + (len(word) if keep_word else 0)])
        all_tokens = tokens
        generic = [i for i, t in enumerate(tokens) if t in self._generic_subjects]
        if generic:  # "模型企业有算力补贴": the matter comes after the one it belongs to
            tokens = tokens[generic[-1] + 1 :]
        kept = []
        for t in tokens:
            if t in self._function_words or t.lower() in self._english_function or not t.strip():
                continue
            if t[:1] in self._function_words and len(t) >= 3:
                t = t[1:]  # jieba's 有算力 is 有 + 算力
            kept.append(t)
        phrase = "".join(kept)
        # the matter must still hold a word the support clauses do not use ("补贴" alone is none)
        forms = {w[1:] if w[:1] in self._function_words and len(w) >= 3 else w for w in subject}
        subject = [*subject, *forms]
        if not any(w in phrase.lower() for w in subject) and generic:
            # "独角兽企业有奖励吗": the matter is the kind of enterprise itself
            before = [t for t in all_tokens[: generic[-1] + 1] if t not in self._function_words]
            phrase = "".join(before) + (word if keep_word else "")
        return phrase if any(w in phrase.lower() for w in subject) else None

    def in_scope(
        self, question: str, hits: Sequence[ClauseHit], evidence: Evidence | None = None
    ) -> tuple[bool, str, Evidence]:
        """Whether retrieval found the policies talking about this question at all
        (``evidence``: this question's, when the caller has it already)."""
        if evidence is None:
            evidence = self.evidence(question, hits)
        if not hits:
            return False, "no clause found", evidence
        if evidence.clause_reference:
            return True, "names a clause", evidence
        top = evidence.top_dense if evidence.top_dense is not None else 0.0
        if top < self.NOTHING_CLOSE:
            return False, "no clause is even close", evidence
        if evidence.coverage < self.MIN_COVERAGE and top < self.LOW_DENSE:
            return False, "vocabulary not in the policies and no close clause", evidence
        return True, "in scope", evidence

    def kind(self, question: str) -> RouteKind | None:
        """The kind of question from its own wording; None when it does not say.

        What is asked is read in the sentences that ask (ending in ？): a long message that
        tells its story first ("这几年一直做平台…截至今年10月…") asks only at its end."""
        asking = _asking_sentences(question)
        # a time or a word of the story ("前几年一直在做代工", "参加了产业转移对接活动") is no
        # question of validity or departments: those are read in the parts that ask
        meta = [(_DEPARTMENTS, "departments"), (_VALIDITY, "validity")]
        for pattern, kind in meta:
            if not pattern.search(_asking_parts(asking)):
                continue
            # "能拿多少奖励？要找哪个部门？", "能补多少？这个政策还有效吗？": an amount asked in a
            # part of its own is computed (the award's answer names the departments and the
            # validity too)
            if any(
                part_asks(p)
                and not any(m.search(p) for m, _ in meta)
                and not _ELIGIBILITY.search(p)
                and self._is_award_question(p)
                for p in re.split(r"(?<=[，,；;。！!？?])", asking)
            ):
                return "award"
            return kind
        if self._is_award_question(question):
            return "award"
        if _ELIGIBILITY.search(asking):
            return "eligibility"
        if reference_tokens(question) or _LOOKUP.search(question):
            return "lookup"
        return None


_TIME_WORDS = frozenset(general_words("time_words"))
_ASPECT_PARTICLES = frozenset({"了", "过", "着"})  # "拿了12项…" → the matter is what was got
_SENTENCE = re.compile(r"[^。！!？?；;\n]*[。！!？?；;\n]?")


def _asking_parts(sentences: str) -> str:
    """The clause parts of ``sentences`` that ask (a question mark or an ask word), or all."""
    parts = [p for p in re.split(r"(?<=[，,；;：:])", sentences) if p.strip()]
    asking = [p for p in parts if part_asks(p)]
    return "".join(asking) or sentences


def _asking_sentences(text: str) -> str:
    """The sentences of ``text`` that end in a question mark, or the whole text if none do."""
    asking = [s for s in _SENTENCE.findall(text) if s.rstrip().endswith(("？", "?"))]
    return "".join(asking) or text
