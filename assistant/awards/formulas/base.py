"""What every formula kind shares: its outcome, the rule parts it reads, and its declarations.

A kind is a pydantic model of the ``formula`` block of a rule (plus the rule's ``kind``). It
declares what it needs from the conversation — the inputs it computes the amount from, the
levels a previous award is read against, the inputs it derives — so the understanding code,
the evaluator and the surfaces ask the model instead of testing kind names. Nothing here
imports :mod:`assistant.awards.rules`; a rule reaches a kind as :class:`RuleParts`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, NamedTuple, Protocol

from pydantic import Field

from assistant.awards.format import format_money
from assistant.awards.formulas.derive import Derivation
from assistant.awards.specs import InputSpec, Parameter, StrictModel

Values = dict[str, Any]  # coerced inputs: Decimal, bool, str or list[str]


@dataclass
class Outcome:
    amount: Decimal | None
    steps: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # input names
    assumptions: list[str] = field(default_factory=list)
    failure: str | None = None  # a stated fact that rules the award out (e.g. no upgrade)
    upper_bound: bool = False
    negotiated: bool = False


class RuleParts(Protocol):
    """What a kind reads from its rule (a :class:`~assistant.awards.rules.Rule` is one)."""

    @property
    def parameters(self) -> Mapping[str, Parameter]: ...

    def input(self, name: str) -> InputSpec: ...

    def param(self, name: str) -> Parameter: ...


class Upgrade(NamedTuple):
    """A ladder of levels where a higher level after a lower one pays the difference (级差)."""

    level: str  # the input naming the level awarded now
    previous: str  # the input naming the level awarded before


class FormulaBase(StrictModel):
    """One kind of formula. Subclasses add ``kind: Literal[...]``, their fields, ``compute``."""

    label: ClassVar[str]  # how ``award --list`` names the kind in Chinese
    required_parameters: ClassVar[tuple[str, ...]] = ()  # parameter names the kind reads
    # the clause fixes the amount: no figure is needed, naming the award is enough
    amount_is_fixed: ClassVar[bool] = False
    # the clause sets no amount at all (一事一议)
    negotiated: ClassVar[bool] = False

    kind: str
    # inputs computed from other inputs before the formula runs (两年收入 → 增长率)
    derive: list[Derivation] = Field(default_factory=list)

    def input_fields(self) -> dict[str, str]:
        """Formula field → the input it names, for every input the amount is computed from."""
        return {}

    def parameter_fields(self) -> dict[str, str]:
        """Formula field path → the parameter it names (levels[0].parameter → level_1)."""
        return {}

    @property
    def amount_inputs(self) -> list[str]:
        """The inputs the amount is computed from (required unless the input is optional)."""
        return list(self.input_fields().values())

    @property
    def upgrade(self) -> Upgrade | None:
        """The level ladder read against a previous award, if the kind has one."""
        return None

    def derived_from(self) -> set[str]:
        """Inputs that can stand in for a needed one because it is derived from them."""
        return {s for d in self.derive for s in d.sources}

    def problems(
        self, inputs: Mapping[str, InputSpec], parameters: Mapping[str, Parameter]
    ) -> list[str]:
        """Load-time errors against the rule's inputs and parameters, each naming its field."""
        out = [
            f"formula.{f}: names unknown input {name}"
            for f, name in self.input_fields().items()
            if name not in inputs
        ]
        out += [
            f"formula.{f}: names unknown parameter {name}"
            for f, name in self.parameter_fields().items()
            if name not in parameters
        ]
        out += [
            f"parameters.{name}: missing, kind {self.kind} needs it"
            for name in self.required_parameters
            if name not in parameters
        ]
        for n, d in enumerate(self.derive):
            out += [
                f"formula.derive[{n}]: names unknown input {name}"
                for name in (d.input, *d.sources)
                if name not in inputs
            ]
        return out

    def compute(self, rule: RuleParts, values: Values) -> Outcome:
        raise NotImplementedError  # every kind in the union defines it


def given(values: Values, name: str, out: Outcome) -> Any:
    """The value of input ``name``, or None with the name recorded as missing."""
    if name not in values:
        out.missing.append(name)
        return None
    return values[name]


def apply_cap(
    rule: RuleParts,
    amount: Decimal,
    out: Outcome,
    name: str = "cap",
    values: Values | None = None,
) -> Decimal:
    cap = rule.parameters.get(name)
    if cap is None:
        return amount
    if amount > cap.value:
        out.steps.append(f"超过上限{format_money(cap.value)}，按{format_money(cap.value)}计")
        amount = cap.value
    else:
        out.steps.append(f"上限{format_money(cap.value)}，未超过")
    received = (values or {}).get(cap.received_input) if cap.received_input else None
    if cap.cap_period == "per_year" and received is not None:
        return _rest_of_yearly_cap(cap, amount, Decimal(received), out)
    if cap.cap_period == "per_year":
        out.assumptions.append(
            f"上限按单个企业每年计（“{cap.reference}”）；假设本年度尚未获得本款其他资金，"
            f"同一年度合计不超过{format_money(cap.value)}"
        )
    return amount


def _rest_of_yearly_cap(
    cap: Parameter, amount: Decimal, received: Decimal, out: Outcome
) -> Decimal:
    """同一年度合计不超过上限: what was received this year comes off the cap."""
    rest = max(cap.value - received, Decimal(0))
    said = f"本年度已获得本款资金{format_money(received)}"
    if amount > rest:
        out.steps.append(
            f"{said}，同一年度合计不超过{format_money(cap.value)}：{format_money(cap.value)} − "
            f"{format_money(received)} = {format_money(rest)}，按{format_money(rest)}计"
        )
        amount = rest
    else:
        out.steps.append(
            f"{said}，加本次{format_money(amount)}合计{format_money(received + amount)}，"
            f"未超过{format_money(cap.value)}"
        )
    out.assumptions.append(
        f"上限按单个企业每年计（“{cap.reference}”）；已获得的{format_money(received)}按本年度"
        "获得计入，以实际拨付为准；如为往年获得，不占本年度额度，请告诉我"
    )
    return amount


class OnBaseInput(FormulaBase):
    """A kind computed from one input, ``base`` (a cost, a count, a growth rate): missing
    when not given; ``from_base`` turns its value into the steps and the amount."""

    base: str

    def input_fields(self) -> dict[str, str]:
        return {"base": self.base}

    def compute(self, rule: RuleParts, values: Values) -> Outcome:
        out = Outcome(None)
        base = given(values, self.base, out)
        if base is not None:
            self.from_base(rule, base, out, values)
        return out

    def from_base(
        self, rule: RuleParts, base: Decimal, out: Outcome, values: Values | None = None
    ) -> None:
        raise NotImplementedError
