"""The answer chain: condense → retrieve → route → compute → compose, as a langchain runnable.

Each step is a small component with a typed ``run`` (condense.py, route.py, compose.py,
awards/, llm.py); this module wires them into one LCEL pipeline (``Assistant.pipeline``)
and exposes the ``Assistant`` that the CLI, the server and the evals use (its ``ask`` runs
the same steps without the runnable's per-call machinery).
"""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from typing import Any

from assistant import numbers
from assistant.answer import Answer, AwardResult
from assistant.awards.books import RuleBooks
from assistant.awards.format import format_money
from assistant.awards.rules import Rule, RuleBook
from assistant.compose import Composer
from assistant.condense import Condenser
from assistant.errors import QuestionError
from assistant.overlap import choose_higher, same_matter_award
from assistant.route import NO_AWARD_RULE, Route, Router
from assistant.turn import (  # also imported from here
    Turn,
    clean_question,
    policy_terms,
    sound_terms,
)
from assistant.understand import normalise
from assistant.understand import warm_up as warm_up_front_door
from assistant.understand.asks import asks_about_awards, is_award_question
from assistant.understand.choose import keyword_score, select_rule
from assistant.understand.dialogue import answer_awards
from assistant.understand.lexicon import general_pattern, general_words
from assistant.understand.references import chapters_of, spoken_references
from knowledge.base import ClauseHit, KnowledgeBase
from knowledge.clause import Clause
from knowledge.embedding import Embedder
from knowledge.settings import Settings
from knowledge.tokenize import cn_numeral_to_int

log = logging.getLogger(__name__)

RETRIEVE_K = 5
# a clause pointed at only to be set aside ("不是说…的那条"): general_lexicon.yaml
_EXCLUDED_CLAUSE = general_pattern("excluded_clause")
# a title the asker was recognised with ("被工信部认定为XX企业"): general_lexicon.yaml
_RECOGNISED_TITLE = general_pattern("recognised_title")
# who the asker says it is not ("不是500强也没上市"): general_lexicon.yaml
_NEGATED_IDENTITY = general_pattern("negated_identity")
# a bare item number as spoken_references writes it (第10条), no chapter before it
_BARE_ARTICLE = re.compile(
    r"(?<![一二三四五六七八九十\d.）)分章节块])第\s*([一二三四五六七八九十\d]{1,3})\s*条"
)
MAX_HISTORY_TURNS = 6


class Assistant:
    """The policy assistant: one instance per process, safe to call from several threads."""

    # A rule keyword this long names the rule's matter on its own (运营补贴, 服务收入 do not).
    STRONG_KEYWORD = 5

    def __init__(self, settings: Settings, knowledge: KnowledgeBase) -> None:
        self.settings = settings
        self.knowledge = knowledge
        # one rule book per loaded policy (knowledge.catalog.policy_dirs), the default first
        self.books = RuleBooks.load(settings)
        # the policies' own terms, for the front door's matching by sound (首论流片 → 首轮流片)
        self._terms = policy_terms(list(self.books), knowledge)
        self._sound_terms = sound_terms(list(self.books), knowledge)  # for typos only
        # chapter headings for clause numbers said aloud (支持政策第九条 → 四.9)
        self._chapters = chapters_of(
            c for c in knowledge.clauses() if c.slug == settings.default_policy
        )
        # the rule keywords that name a matter alone, listed once (asked several times a turn)
        self._strong_keywords = [
            k
            for book in self.books
            for r in book.rules.values()
            for k in r.keywords
            if len(k) >= self.STRONG_KEYWORD
        ]
        self._condenser = Condenser(has_topic=self._has_topic, names_policy=self._names_policy)
        self._router = Router(
            knowledge,
            is_award_question=lambda text: is_award_question(text, self.books),
            names_policy=self._names_policy,
            # clauses with award rules, as knowledge.qualified_id shows them (四.10, slug:二.3)
            support_clauses=sorted({b.ref(r.clause) for b in self.books for r in b.rules.values()}),
            support_terms=[
                *self._terms,
                *(k for b in self.books for r in b.rules.values() for k in r.keywords),
            ],
        )
        self._composer = Composer(knowledge, format_yuan=format_money, books=self.books)
        self._llm = None
        if settings.llm_model:
            from assistant.llm import LLMComposer

            hotlines = [m.contact.hotline for m in knowledge.policies() if m.contact.hotline]
            self._llm = LLMComposer(settings, self.books, furniture=hotlines)
        self._steps: list[tuple[str, Callable[[Turn], Turn]]] = [
            ("condense", self._condense),
            ("retrieve", self._retrieve),
            ("route", self._route),
            ("compute", self._compute),
            ("compose", self._compose),
        ]

    @functools.cached_property
    def pipeline(self) -> Any:
        """The steps as one LCEL runnable, for callers that compose or trace it. ``ask`` runs
        the same steps in a plain loop: the runnable's callback and config machinery cost
        6.8 ms a question (p50, `python -m evals.bench_stages`, 2026-12-01) — more than
        routing, computing and composing together — and importing it ~0.5 s of start-up."""
        from langchain_core.runnables import RunnableLambda

        first, *rest = (RunnableLambda(step, name=name) for name, step in self._steps)
        chain = first
        for runnable in rest:
            chain = chain | runnable
        return chain

    def _run(self, turn: Turn) -> Turn:
        for _, step in self._steps:
            turn = step(turn)
        return turn

    @property
    def rulebook(self) -> RuleBook | None:
        """The default policy's rule book (see ``books`` for every policy's)."""
        return self.books.default

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        progress: bool = True,
        embedder: Embedder | Future[Embedder] | None = None,
    ) -> Assistant:
        return cls(settings, KnowledgeBase.open(settings, progress=progress, embedder=embedder))

    def warm_up(self) -> None:
        """Load what the first question would (OpenCC, pypinyin, the terms' pinyin index,
        jieba's part-of-speech tables): a server calls it once it is ready, so that its first
        question is not the slow one."""
        warm_up_front_door(self._sound_terms)
        self._router.warm_up()
        numbers.warm_up()

    # -- pipeline steps -----------------------------------------------------------------------

    def _has_topic(self, text: str) -> bool:
        """Whether a turn names something the policies talk about (used by condense).

        Vocabulary coverage alone: no search, so earlier turns cost no embedding.
        """
        return self._router.evidence(text, []).coverage >= self._router.WEAK_COVERAGE

    def _condense(self, turn: Turn) -> Turn:
        turn.condensed = self._condenser.run(turn.question, turn.history)
        return turn

    def _retrieve(self, turn: Turn) -> Turn:
        assert turn.condensed is not None
        turn.hits = self.knowledge.search(turn.condensed.standalone, k=RETRIEVE_K)
        return turn

    def _names_policy(self, text: str) -> bool:
        """Strong evidence that a question is about a clause: it names a clause's topic term or
        a rule keyword of three characters or more (places and stray words never outweigh it)."""
        text = _EXCLUDED_CLAUSE.sub("", text)  # "不是说总部落户的那条": set aside, not asked
        text = self._unlisted_titles_out(text)
        text = _NEGATED_IDENTITY.sub("", text)  # "不是500强也没上市": denied, not asked
        if any(book.named_clauses(text) for book in self.books):
            return True
        return any(k in text for k in self._strong_keywords)

    def _bare_item_of_award(self, text: str) -> str:
        """A bare 第N条 in a question that asks an amount ("第十条那个，最多补多少"): of the clauses
        numbered N, the one award rules are written for, when only one is (三.10 is a task, 四.10
        a support clause); otherwise the number is left as said."""
        if "条" not in text or not is_award_question(text, self.books):
            return text
        book = self.books.default

        def one(m: re.Match[str]) -> str:
            number = cn_numeral_to_int(m.group(1)) if not m.group(1).isdigit() else int(m.group(1))
            owners = {
                r.clause for r in book.rules.values() if r.clause.partition(".")[2] == str(number)
            }
            return next(iter(owners)) if len(owners) == 1 else m.group(0)

        return _BARE_ARTICLE.sub(one, text)

    def _unlisted_titles_out(self, text: str) -> str:
        """The text less each title it says was recognised ("被工信部认定为XX企业") that names no
        clause topic or rule keyword: a title not in the policy's lists is none of its titles,
        and the recognition words around it (工信部认定) point at no clause."""

        def listed(title: str) -> bool:
            return any(book.named_clauses(title) for book in self.books) or any(
                len(k) >= 2 and k not in general_words("title_neutral_words") and k in title
                for book in self.books
                for r in book.rules.values()
                for k in r.keywords
            )

        return _RECOGNISED_TITLE.sub(lambda m: m.group(0) if listed(m.group("title")) else "", text)

    def _route(self, turn: Turn) -> Turn:
        assert turn.condensed is not None
        condensed = turn.condensed
        # Refusal looks at this turn alone: an earlier harmless turn must not hide it.
        refused = self._router.refusal(turn.question)
        if refused:
            turn.route = Route(kind="out_of_scope", reason=refused)
            return turn
        evidence = self._router.evidence(condensed.standalone, turn.hits)
        # support an enterprise asks for in another area (出口退税奖励, 社保补贴), or for a
        # measure no award is computed on (研发投入补助), whatever clause its qualifier names
        for reason, found in (
            ("another area's support", self._router.other_area_topic),
            ("a measure no award is computed on", self._router.unprovided_measure),
        ):
            topic = found(turn.question)
            if topic:
                own = self._router.evidence(turn.question, turn.hits)
                turn.route = Route(kind="not_provided", reason=reason, evidence=own, topic=topic)
                return turn
        if not self._names_policy(condensed.standalone):
            # the same words, the same hits: one evidence (most turns have no history)
            own = (
                evidence
                if turn.question == condensed.standalone
                else self._router.evidence(turn.question, turn.hits)
            )
            topic = self._router.unprovided_topic(turn.question, own)
            if topic:
                turn.route = Route(
                    kind="not_provided", reason="no clause provides it", evidence=own, topic=topic
                )
                return turn
            ok, reason, evidence = self._router.in_scope(
                condensed.standalone, turn.hits, evidence=evidence
            )
            if not ok:
                turn.route = Route(kind="out_of_scope", reason=reason, evidence=evidence)
                return turn
        reason = "in scope"
        kind = self._router.kind(turn.question)
        if condensed.is_follow_up and kind in (None, "eligibility", "lookup"):
            # "那上限呢？", "场地租了30万…" after an award question carry on computing.
            if kind is None and any(asks_about_awards(t, self.books) for t in turn.history):
                kind = "award"
            elif kind is None:
                kind = self._router.kind(condensed.standalone)
        turn.route = Route(kind=kind or "fact", reason=reason, evidence=evidence)
        return turn

    def _pin_first(self, turn: Turn, clause: Clause) -> None:
        """Put a clause first among the hits (the rule's clause for awards, 尾 for validity)."""
        first = next((h for h in turn.hits if h.clause is clause), None)
        if first is None:
            score = turn.hits[0].score if turn.hits else 1.0
            first = ClauseHit(clause=clause, ref=self.knowledge.qualified_id(clause), score=score)
        turn.hits = [first, *[h for h in turn.hits if h is not first]]

    def _compute(self, turn: Turn) -> Turn:
        assert turn.route is not None
        if turn.route.kind == "validity":
            slug = turn.hits[0].clause.slug if turn.hits else self.settings.default_policy
            closing = self.knowledge.closing_clause(slug)
            if closing is not None:
                self._pin_first(turn, closing)
            return turn
        # a question in other words ("…有什么奖励", "这两项各多少") is computed when the clause
        # fixes the amount or the message names several awards; otherwise it stays an overview
        may_compute = turn.route.kind in ("fact", "eligibility", "lookup")
        if turn.route.kind == "eligibility" and turn.history:
            clauses = self._earlier_clauses(turn)
            if len(clauses) >= 2:
                # "这两项各自要满足什么条件？": the conditions of each award asked before
                for clause in reversed(clauses):
                    self._pin_first(turn, clause)
                turn.earlier_clauses = len(clauses)
                return turn
        if turn.route.kind in ("departments", "validity") and turn.history:
            turn.earlier_awards = self._earlier_awards(turn)
            for result in reversed(turn.earlier_awards):
                self._pin_rule_clause(turn, result)
            return turn
        if turn.route.kind != "award" and not may_compute:
            return turn
        awards = self._awards_by_evidence(turn)
        # … or the figure cannot be used as stated (another currency): that must be said
        said = awards and (awards[0].amount_yuan is not None or awards[0].error)
        if may_compute and not (len(awards) > 1 or said):
            return turn
        if not awards:
            turn.route = Route(kind="fact", reason=NO_AWARD_RULE, evidence=turn.route.evidence)
            return turn
        if may_compute:
            turn.route = Route(
                kind="award", reason="awards asked in other words", evidence=turn.route.evidence
            )
        award = awards[0]
        outside = _outside_items(self.books.rule(award.rule), award, turn.question)
        if len(awards) == 1 and outside:
            # "参展的机票和住宿能补吗": only items outside what the clause's figure covers are
            # said — a matter the policy does not provide for, not an award of 0
            self._pin_rule_clause(turn, award)
            turn.route = Route(
                kind="not_provided",
                reason="items outside the clause",
                evidence=turn.route.evidence,
                topic="、".join(outside),
            )
            return turn
        rule = self.books.rule(award.rule)
        if len(awards) == 1 and _outside_clause(rule, award):
            # "买软件…不是智能制造项目": what the clause supports at all is said not to be the
            # case — the purchase is a matter the policy does not provide for, not an award of 0
            self._pin_rule_clause(turn, award)
            turn.route = Route(
                kind="not_provided",
                reason="outside what the clause supports",
                evidence=turn.route.evidence,
                topic=self._router.support_phrase(turn.question),
            )
            return turn
        turn.awards = awards
        turn.award = award
        if rule is not None:
            turn.award_phrases = [p.reference for p in rule.parameters.values()] + [
                c.phrase for c in rule.conditions
            ]
        # The rules' clauses are cited first, in the order the awards were asked about,
        # whatever retrieval ranked first.
        for result in reversed(awards):
            self._pin_rule_clause(turn, result)
        return turn

    def _evidence_slugs(self, text: str, hits: Sequence[ClauseHit]) -> list[str]:
        """Policies with award rules in the order the evidence points at them: one whose clause
        topic the text names (流片, 揭榜挂帅 …), then those of the retrieved clauses, then the rest
        (the default policy first among equals)."""
        named = [b.policy for b in self.books if b.named_clauses(text)]
        retrieved = [h.clause.slug for h in hits if h.clause.slug in self.books]
        if named:  # of several named, the one retrieval ranked first
            named.sort(key=lambda s: retrieved.index(s) if s in retrieved else len(retrieved))
        return list(dict.fromkeys([*named, *retrieved, *self.books.slugs]))

    def _awards_by_evidence(self, turn: Turn) -> list[AwardResult]:
        """The awards of the policy the evidence is from; where another loaded policy also
        provides for the matter asked about, its award too, and the higher is taken (就高)."""
        today = self.settings.resolved_today()
        slugs = self._evidence_slugs(turn.question, turn.hits)
        if not slugs:
            return []

        def awards_of(slug: str) -> list[AwardResult]:
            book = self.books.book(slug)
            assert book is not None
            ranked = [h.clause.id for h in turn.hits if h.clause.slug == slug]
            return answer_awards(turn.question, turn.history, ranked, today, rulebook=book)

        first = awards_of(slugs[0])
        if len(first) != 1 or len(slugs) < 2:
            return first
        others = [
            found
            for slug in slugs[1:]
            if (found := same_matter_award(self.books, slug, turn.question, first[0], awards_of))
        ]
        return choose_higher([first[0], *others], self.books) if others else first

    def _pin_rule_clause(self, turn: Turn, result: AwardResult) -> None:
        clause = self.knowledge.clause(result.clause or result.rule.split("-")[0])
        if clause is not None:
            self._pin_first(turn, clause)

    def _earlier_awards(self, turn: Turn) -> list[AwardResult]:
        """The awards of the latest earlier turn that asked about some (at most 3 back)."""
        today = self.settings.resolved_today()
        history = turn.history
        for back in range(1, min(3, len(history)) + 1):
            asked, before = history[-back], history[: len(history) - back]
            for slug in self._evidence_slugs(asked, turn.hits):
                book = self.books.book(slug)
                assert book is not None
                found = answer_awards(asked, before, [], today, rulebook=book)
                if found:
                    return found
        return []

    def _earlier_clauses(self, turn: Turn) -> list[Clause]:
        """The clauses the earlier turns (at most 3 back) were about, oldest first, when this
        turn asks about several ("各自", "这两项") and names no award of its own."""
        if not any(w in turn.question for w in general_words("compound_asks")):
            return []
        for book in self.books:
            if book.named_clauses(turn.question) or any(
                keyword_score(r, turn.question) for r in book.rules.values()
            ):
                return []
        found: list[Clause] = []
        history = turn.history[-3:]
        before = turn.history[: len(turn.history) - len(history)]
        for n, asked in enumerate(history):
            for book in self.books:
                rule = select_rule(asked, [*before, *history[:n]], [], rulebook=book)
                clause = self.knowledge.clause(book.ref(rule.clause)) if rule else None
                if clause is not None and clause not in found:
                    found.append(clause)
                    break
        return found

    def _compose(self, turn: Turn) -> Turn:
        assert turn.route is not None
        turn.composed = self._composer.run(
            turn.question,
            turn.route,
            turn.hits,
            turn.awards or turn.earlier_awards,
            self.settings.resolved_today(),
            award_phrases=turn.award_phrases,
            not_provided=turn.route.topic if turn.route.kind == "not_provided" else None,
            clauses_asked=turn.earlier_clauses,
        )
        return turn

    # -- public API ---------------------------------------------------------------------------

    def _prepare(self, question: Any, history: Sequence[Any]) -> Turn:
        started = time.perf_counter()
        text = clean_question(question, self.settings.max_question_chars)
        earlier: list[str] = []
        for item in list(history or [])[-MAX_HISTORY_TURNS:]:
            try:
                earlier.append(clean_question(item, self.settings.max_question_chars))
            except QuestionError:
                continue  # an unusable earlier turn is skipped, not fatal
        front = normalise(text, self._sound_terms)
        return Turn(
            question=self._bare_item_of_award(spoken_references(front.text, self._chapters)),
            asked=text,
            history=[normalise(h, self._sound_terms).text for h in earlier],
            started=started,
            understood=list(front.notes),
        )

    def _answer(self, turn: Turn, text: str | None = None, extra: Mapping[str, Any] = ()) -> Answer:
        assert turn.composed is not None and turn.route is not None
        answer = Answer(
            question=turn.asked,
            answer=text if text is not None else turn.composed.text,
            refused=turn.route.kind == "out_of_scope",
            citations=turn.composed.citations,
            award=turn.award,
            awards=turn.awards,
            latency_ms=round((time.perf_counter() - turn.started) * 1000, 1),
            route=turn.route.kind,
            standalone_question=turn.condensed.standalone if turn.condensed else turn.question,
            understood=turn.understood,
            validity=turn.composed.validity.model_dump(mode="json")
            if turn.composed.validity
            else None,
            **dict(extra),
        )
        return answer

    def ask(self, question: str, history: Sequence[str] = ()) -> Answer:
        turn = self._run(self._prepare(question, history))
        if self._llm is not None and turn.route.kind != "out_of_scope":
            text, extra = self._llm.compose(turn)
            return self._answer(turn, text, extra)
        return self._answer(turn)

    def stream(self, question: str, history: Sequence[str] = ()) -> Iterator[str | Answer]:
        """Text pieces as they are ready, then the final Answer (whose text is authoritative)."""
        turn = self._run(self._prepare(question, history))
        if self._llm is not None and turn.route.kind != "out_of_scope":
            result: dict[str, Any] = {}
            yield from self._llm.stream(turn, result)
            yield self._answer(turn, result.get("text"), result.get("extra", {}))
            return
        answer = self._answer(turn)
        yield from answer.answer.splitlines(keepends=True)
        yield answer

    def award(self, rule_id: str, inputs: Mapping[str, Any]) -> AwardResult:
        """One rule's award: ``四.10`` (default policy), ``slug:二.3`` (any loaded policy)."""
        return self.books.evaluate(rule_id, inputs, today=self.settings.resolved_today())

    def rules(self) -> list[dict[str, Any]]:
        return self.books.input_schemas()


def _outside_clause(rule: Rule | None, award: AwardResult) -> bool:
    """The award is ruled out only by conditions of what the clause supports at all
    (outside_when_false), each stated false."""
    if rule is None or award.eligible is not False or not award.failed:
        return False
    specs = {s.name: s for s in rule.inputs}
    return all(name in specs and specs[name].outside_when_false for name in award.failed)


def _outside_items(rule: Rule | None, award: AwardResult, question: str) -> list[str]:
    """The words of items outside what the rule's figure covers (机票、住宿) that ruled the
    award out — an input read only false unless something said is inside (false_unless_true)."""
    if rule is None or award.eligible is not False:
        return []
    specs = [s for s in rule.inputs if s.name in award.failed and s.false_unless_true]
    words = [w for s in specs for w in s.false_aliases if w in question]
    words = [w for w in words if not any(w != o and w in o for o in words)]
    return sorted(dict.fromkeys(words), key=question.find)
