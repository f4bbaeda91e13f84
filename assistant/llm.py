"""The optional chat-model composer, kept honest by the numeric guard.

When ``ASSISTANT_LLM_MODEL`` is set, in-scope answers are written by a chat model through
langchain's ``init_chat_model`` — any OpenAI-compatible endpoint (vLLM, DeepSeek, Qwen, a
local server; provider ``openai``) or Ollama (provider ``ollama``, needs ``langchain-ollama``).
The model sees the retrieved clauses, the question with its history and the deterministic
award result, and may call the award rules as tools (never doing arithmetic itself).

Its answer is used only when:
- it cites at least one clause it was given, in 【四.10】 form, and no clause it was not given;
- every number in it passes :func:`assistant.guard.check_numbers` against the cited clauses,
  the tool results, the award and validity steps and the user's own words.
Otherwise — and on a timeout or any error — the deterministic composer's answer is returned,
and ``extra["guard"]`` says why. Nothing here raises into the chain after construction.
"""

from __future__ import annotations

import json
import logging
import re
import time
import unicodedata
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from assistant.answer import AwardResult, Citation
from assistant.compose import citation_for
from assistant.guard import GuardReport, check_numbers
from knowledge.settings import Settings

if TYPE_CHECKING:
    from assistant.awards.books import RuleBooks
    from assistant.chain import Turn

log = logging.getLogger(__name__)

MAX_TOOL_ROUNDS = 3  # model turns that may call tools before it must answer
CITE_RE = re.compile(r"【([^】]{1,60})】")

SYSTEM_PROMPT = "\n".join(
    [
        "你是产业政策的咨询助手，为热线工作人员和企业解答下面给出的政策条款中的问题。",
        "请严格遵守：",
        "1. 只依据下面给出的政策条款原文回答，不使用条款以外的知识，不编造条款内容。",
        "2. 引用条款时用【条款编号】标注，例如【四.10】；至少引用一个条款，"
        "只引用实际用到的条款，编号必须是给出的条款之一。",
        "3. 不要自己计算金额或比例。问到补贴、奖励金额时，调用测算工具，"
        "并照抄工具结果中的金额和计算过程；已经给出的测算结果可以直接引用。",
        "4. 回答中的每个数字（金额、比例、年限、日期、数量）都必须原样来自条款原文、"
        "测算结果或有效期说明，不要换算或估计出新的数字。",
        "5. 信息不足或没有把握时，直接说明不确定，说明还需要哪些信息，或建议向责任单位咨询。",
        "6. 这个问题已经确认属于本政策范围，请直接回答，不要拒绝。",
        "7. 用简洁、礼貌的中文回答，说明责任单位，并提示最终以责任单位的审核认定为准。",
        "8. 回答的结构固定（与确定性答复相同，热线坐席会朗读第一句）："
        "第一句直接给出结论——金额（如“可获补助320万元”）、能否、日期、责任单位，"
        "或“本政策未规定……”；涉及多项奖励时先给合计或说明只能就高享受一项；"
        "然后依次是计算过程、需要确认的条件（每条一行，简短）、"
        "承载规则的条款原句（不要整条照抄）、一行有效期说明（只写一次）、一句免责说明。",
        "9. 下面的【参考答复】是按规则生成的确定性答复，可以改写得更自然，但结论、数字和结构不变。",
    ]
)


class LLMConfigError(ValueError):
    """The chat model cannot be set up as configured (message says what to do)."""


def make_chat_model(settings: Settings) -> Any:
    """The langchain chat model for the settings (raises LLMConfigError when unusable)."""
    from langchain.chat_models import init_chat_model

    provider = (settings.llm_provider or "openai").strip().lower()
    kwargs: dict[str, Any] = {"temperature": 0}
    if provider == "ollama":
        try:
            import langchain_ollama  # noqa: F401  (optional extra)
        except ImportError as exc:
            raise LLMConfigError(
                "ASSISTANT_LLM_PROVIDER=ollama 需要可选依赖 langchain-ollama："
                "pip install langchain-ollama（或改用 openai 兼容接口）。"
            ) from exc
        if settings.llm_base_url:
            kwargs["base_url"] = settings.llm_base_url
        kwargs["client_kwargs"] = {"timeout": settings.llm_timeout_s}
    else:
        kwargs.update(
            base_url=settings.llm_base_url or None,
            api_key=settings.llm_api_key or "not-needed",
            timeout=settings.llm_timeout_s,
            max_retries=0,  # a retry doubles the wait; the deterministic answer is ready
        )
    try:
        return init_chat_model(settings.llm_model, model_provider=provider, **kwargs)
    except ImportError as exc:
        raise LLMConfigError(f"语言模型提供方“{provider}”所需的包没有安装：{exc}") from exc
    except ValueError as exc:
        raise LLMConfigError(f"无法创建语言模型（{provider}:{settings.llm_model}）：{exc}") from exc


def _norm_id(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def cited_ids(text: str) -> list[str]:
    """Clause ids the model cited as 【…】, in first-mention order (several per mark allowed)."""
    out: list[str] = []
    for m in CITE_RE.finditer(text):
        for part in re.split(r"[、,，;；/]", m.group(1)):
            ref = _norm_id(part)
            if ref and ref not in out:
                out.append(ref)
    return out


def _is_timeout(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, TimeoutError) or "timeout" in type(seen).__name__.lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class _Deadline(TimeoutError):
    """The whole exchange took longer than settings.llm_timeout_s."""


class LLMComposer:
    """Composes with a chat model; falls back to the deterministic answer when in doubt."""

    def __init__(
        self,
        settings: Settings,
        books: RuleBooks,
        *,
        model: Any = None,
        furniture: Sequence[str] = (),
    ) -> None:
        from assistant.awards.tools import award_tools

        self.settings = settings
        self.books = books
        # text every answer may repeat whatever it cites: the policies' hotlines (policy.yaml)
        self.furniture = list(furniture)
        self.model = model if model is not None else make_chat_model(settings)
        self.tools = [t for book in books for t in award_tools(book, settings.today)]
        self._tools_by_name = {t.name: t for t in self.tools}
        self.bound = self.model.bind_tools(self.tools) if self.tools else self.model

    # -- prompt ---------------------------------------------------------------------------------

    def candidates(self, turn: Turn) -> list[Citation]:
        """Clauses the model was shown: the deterministic citations first, then the hits."""
        assert turn.composed is not None
        out = list(turn.composed.citations)
        seen = {c.id for c in out}
        for hit in turn.hits:
            if hit.ref not in seen:
                out.append(citation_for(hit))
                seen.add(hit.ref)
        return out

    def messages(self, turn: Turn) -> list[BaseMessage]:
        parts: list[str] = ["【相关条款】"]
        for c in self.candidates(turn):
            who = f"（责任单位：{'、'.join(c.departments)}）" if c.departments else ""
            parts.append(f"【{c.id}】{c.title}{who}\n{c.text}")
        composed = turn.composed
        if composed is not None and composed.validity is not None:
            v = composed.validity
            state = "已过有效期" if v.expired else "在有效期内"
            parts.append(f"【有效期】{'；'.join(v.steps)}；目前{state}。")
        awards = list(getattr(turn, "awards", None) or ([turn.award] if turn.award else []))
        for award in awards:
            parts.append("【测算结果】（由测算工具按条款计算，可直接引用）\n" + _award_text(award))
        if composed is not None and composed.text:
            parts.append("【参考答复】\n" + composed.text)
        if turn.history:
            parts.append("【此前的提问】\n" + "\n".join(f"- {q}" for q in turn.history))
        parts.append(f"【当前问题】{turn.question}")
        standalone = turn.condensed.standalone if turn.condensed is not None else turn.question
        if standalone and standalone != turn.question:
            parts.append(f"（结合上文理解为：{standalone}）")
        return [SystemMessage(SYSTEM_PROMPT), HumanMessage("\n\n".join(parts))]

    # -- tool loop --------------------------------------------------------------------------------

    def _run_tools(
        self, message: AIMessage, messages: list[BaseMessage], outputs: list[str]
    ) -> None:
        for call in message.tool_calls:
            tool = self._tools_by_name.get(call["name"])
            if tool is None:
                content = json.dumps(
                    {"error": f"没有名为 {call['name']} 的测算工具"}, ensure_ascii=False
                )
            else:
                try:
                    content = str(tool.invoke(call.get("args") or {}))
                except Exception as exc:  # bad arguments from the model: tell it, don't crash
                    content = json.dumps({"error": f"参数有误：{exc}"}, ensure_ascii=False)
            outputs.append(content)
            messages.append(
                ToolMessage(content=content, tool_call_id=call["id"] or "", name=call["name"])
            )

    def _check_deadline(self, started: float) -> None:
        if time.monotonic() - started > self.settings.llm_timeout_s:
            raise _Deadline(f"语言模型超过{self.settings.llm_timeout_s}秒未完成")

    def _generate(self, turn: Turn) -> tuple[str, list[str]]:
        """Run the model with the tool loop (no streaming); the final text and tool outputs."""
        messages = self.messages(turn)
        outputs: list[str] = []
        started = time.monotonic()
        for round_ in range(MAX_TOOL_ROUNDS + 1):
            self._check_deadline(started)
            model = self.bound if round_ < MAX_TOOL_ROUNDS else self.model
            reply = model.invoke(messages)
            if not reply.tool_calls:
                return reply.text, outputs
            messages.append(reply)
            self._run_tools(reply, messages, outputs)
        raise RuntimeError("语言模型反复调用工具，没有给出回答")

    def _stream(self, turn: Turn, outputs: list[str], state: dict[str, str]) -> Iterator[str]:
        """Like _generate but yields text pieces as they arrive; state["text"] = final round's."""
        messages = self.messages(turn)
        started = time.monotonic()
        for round_ in range(MAX_TOOL_ROUNDS + 1):
            self._check_deadline(started)
            model = self.bound if round_ < MAX_TOOL_ROUNDS else self.model
            full: AIMessageChunk | None = None
            for chunk in model.stream(messages):
                full = chunk if full is None else full + chunk
                piece = chunk.text
                if piece:
                    yield piece
                self._check_deadline(started)
            if full is None or not full.tool_calls:
                state["text"] = full.text if full is not None else ""
                return
            messages.append(full)
            self._run_tools(full, messages, outputs)
        raise RuntimeError("语言模型反复调用工具，没有给出回答")

    # -- verdict ----------------------------------------------------------------------------------

    def sources(self, turn: Turn, cited: Sequence[Citation], outputs: Sequence[str]) -> list[str]:
        """What the answer's numbers may come from (see the module docstring)."""
        out: list[str] = [turn.question, *turn.history, *self.furniture]
        if turn.condensed is not None:
            out.append(turn.condensed.standalone)
        for c in cited:
            out.extend([c.id, c.title, c.text])
        out.extend(outputs)
        for text in outputs:  # the tool's steps, readable as text
            result = _award_from_json(text)
            if result is not None:
                out.append(_award_text(result))
        if turn.award is not None:
            out.append(_award_text(turn.award))
        if turn.composed is not None and turn.composed.validity is not None:
            v = turn.composed.validity
            out.extend(v.steps)
            out.append(f"{v.issued.isoformat()} {v.valid_until.isoformat()}")
        return out

    def verdict(self, turn: Turn, text: str, outputs: Sequence[str]) -> tuple[str, dict[str, Any]]:
        """Accept the model's text (updating the turn's citations) or fall back."""
        assert turn.composed is not None
        text = text.strip()
        if not text:
            return self.fallback(turn, GuardReport(ok=False, reason="empty answer"))
        shown = self.candidates(turn)
        cited: list[Citation] = []
        unknown: list[str] = []
        for ref in cited_ids(text):
            match = [c for c in shown if _norm_id(c.id) == ref]
            if not match:  # a bare id for a clause of another policy, if unambiguous
                match = [c for c in shown if c.id.endswith(":" + ref)]
            if len(match) == 1:
                if match[0] not in cited:
                    cited.append(match[0])
            else:
                unknown.append(ref)
        if unknown:
            return self.fallback(
                turn,
                GuardReport(ok=False, offending=unknown, reason="cited a clause it was not given"),
            )
        if not cited:
            return self.fallback(turn, GuardReport(ok=False, reason="no clause cited"))
        report = check_numbers(text, self.sources(turn, cited, outputs))
        if not report.ok:
            return self.fallback(turn, report)
        award = self._award_from_tools(turn, outputs)
        if award is not None:
            turn.award = award
        if turn.award is not None:  # an award answer cites the rule's clause first
            first = turn.award.clause or turn.award.rule.split("-")[0]
            cited.sort(key=lambda c: c.id != first)
        turn.composed = turn.composed.model_copy(update={"citations": cited})
        guard = report.as_dict() | {"cited": [c.id for c in cited], "tool_calls": len(outputs)}
        return text, {"composer": "llm", "guard": guard}

    def _award_from_tools(self, turn: Turn, outputs: Sequence[str]) -> AwardResult | None:
        """The model's tool result becomes the answer's award when the chain had none usable."""
        if turn.award is not None and turn.award.amount_yuan is not None:
            return None
        results = [r for r in (_award_from_json(o) for o in outputs) if r is not None]
        return results[-1] if results else None

    def fallback(self, turn: Turn, report: GuardReport) -> tuple[str, dict[str, Any]]:
        assert turn.composed is not None
        if report.offending:
            log.warning(
                "LLM answer rejected (%s): %s — question %r",
                report.reason,
                "、".join(report.offending),
                turn.question,
            )
        else:
            log.warning("LLM answer not used (%s) — question %r", report.reason, turn.question)
        return turn.composed.text, {"composer": "deterministic", "guard": report.as_dict()}

    def _failure(self, turn: Turn, exc: BaseException) -> tuple[str, dict[str, Any]]:
        reason = "timeout" if _is_timeout(exc) else f"error: {type(exc).__name__}: {exc}"[:300]
        return self.fallback(turn, GuardReport(ok=False, reason=reason))

    # -- public -----------------------------------------------------------------------------------

    def compose(self, turn: Turn) -> tuple[str, dict[str, Any]]:
        """The text to show and the Answer extension fields (composer, guard)."""
        try:
            text, outputs = self._generate(turn)
            return self.verdict(turn, text, outputs)
        except Exception as exc:  # the deterministic answer is always there to fall back on
            return self._failure(turn, exc)

    def stream(self, turn: Turn, result: dict[str, Any]) -> Iterator[str]:
        """Yield the model's text as it streams; set result["text"] and result["extra"] at the end.

        The streamed pieces are shown provisionally; when the guard rejects them the final
        text is the deterministic answer and the caller replaces what was shown.
        """
        outputs: list[str] = []
        state: dict[str, str] = {}
        try:
            yield from self._stream(turn, outputs, state)
            text, extra = self.verdict(turn, state.get("text", ""), outputs)
        except Exception as exc:
            text, extra = self._failure(turn, exc)
        result["text"] = text
        result["extra"] = extra


def _award_from_json(text: str) -> AwardResult | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or "rule" not in data:
        return None
    try:
        return AwardResult.model_validate(data)
    except ValueError:
        return None


def _award_text(award: AwardResult) -> str:
    from assistant.awards.format import format_money

    lines = [f"规则：{award.rule}{'《' + award.title + '》' if award.title else ''}"]
    if award.error:
        lines.append(f"无法计算：{award.error}")
    if award.negotiated:
        lines.append("结论：条款未规定具体金额（一事一议）")
    elif award.eligible is False:
        lines.append("结论：不符合条件，金额为0元")
    elif award.amount_yuan is not None:
        bound = "（为条款规定的最高额，具体金额由主管部门核定）" if award.upper_bound else ""
        lines.append(f"金额：{format_money(award.amount_yuan)}（{award.amount_yuan}元）{bound}")
    lines += [f"计算：{s}" for s in award.steps]
    lines += [f"假设：{s}" for s in award.assumptions]
    lines += [f"尚缺：{s}" for s in award.missing]
    if award.follow_up:
        lines.append(f"需追问：{award.follow_up}")
    if award.validity_note:
        lines.append(f"有效期：{award.validity_note}")
    return "\n".join(lines)
