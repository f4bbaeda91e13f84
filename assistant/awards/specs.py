"""The parts of a rule that formulas read: parameters, conditions and inputs.

Kept apart from :mod:`assistant.awards.rules` (the rule and its loader) so that
:mod:`assistant.awards.formulas` can type against them without importing the rule module.
YAML floats are refused here so no binary fraction ever enters a calculation.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

CapPeriod = Literal["per_item", "per_year", "one_time"]
InputUnit = Literal["yuan", "percent", "count", "times", "bool", "enum", "enum_list"]
InputType = Literal["decimal", "integer", "bool", "enum", "enum_list"]
Op = Literal[">=", ">", "<=", "<", "==", "in", "bool"]


def exact_decimal(value: Any) -> Any:
    """YAML numbers must be int or str: a float would already have lost exactness."""
    if isinstance(value, float):
        raise ValueError(f"use an integer or a quoted string, not the float {value!r}")
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str):
        return Decimal(value)
    return value


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Parameter(StrictModel):
    value: Decimal
    unit: Literal["yuan", "percent", "count", "times"]
    description: str
    reference: str = Field(description="the exact Chinese phrase of the clause")
    cap_period: CapPeriod | None = None
    # for a cap per year: the input saying what the enterprise already received of this award
    # this year (同一年度合计不超过上限), so only the rest of the cap is left
    received_input: str | None = None

    _v = field_validator("value", mode="before")(lambda cls, v: exact_decimal(v))


class Condition(StrictModel):
    input: str
    op: Op
    threshold: Decimal | None = None
    values: list[str] | None = None
    expect: bool = True  # for op "bool": the value the clause requires
    phrase: str = Field(description="the Chinese phrase of the clause")
    reading: str = Field(description="how the phrase was read (以上 inclusive, 超过 strict …)")
    assumption: str = Field(description="Chinese sentence used when the user did not say")
    failure: str = Field(description="Chinese sentence used when a stated fact violates it")

    _t = field_validator("threshold", mode="before")(
        lambda cls, v: None if v is None else exact_decimal(v)
    )


class Option(StrictModel):
    value: str
    aliases: list[str] = Field(default_factory=list)
    # the "anything else" value (其他): chosen for a stated value outside the list, and
    # overridden by a listed value mentioned in the same text
    catch_all: bool = False


class InputSpec(StrictModel):
    name: str
    label: str
    unit: InputUnit
    type: InputType
    aliases: list[str] = Field(default_factory=list)
    false_aliases: list[str] = Field(default_factory=list)
    # regexes for stated values that contradict the condition in free wording
    # ("在省级电视台做广告", "第二轮流片"); read like ``false_aliases``
    false_patterns: list[str] = Field(default_factory=list)
    # regexes for wording that says a figure covers several of what the condition takes only one
    # of ("做了两轮流片" for 首轮流片): a figure of the base beside it is no base, the one is asked
    several_patterns: list[str] = Field(default_factory=list)
    # the condition is of what a figure covers (场地租赁费、布展费): wording outside it (机票、
    # 住宿) states it false only when nothing said states it true — items outside said beside
    # items inside are another matter, not a failure of the award
    false_unless_true: bool = False
    # the condition joins two facts (规模以上 and 工业企业): one said not met ("不是工业企业")
    # fails it, whatever else is said met ("规上") — before or after
    false_wins: bool = False
    # the condition is what the clause supports at all (智能制造新建或改造项目): stated false, the
    # thing asked about is a matter the policy does not provide for, not an award of 0
    outside_when_false: bool = False
    priority: int = 1
    optional: bool = False
    allow_zero: bool = False
    allow_negative: bool = False
    max: Decimal | None = None
    quantity_units: list[str] | None = None
    options: list[Option] | None = None
    question: str | None = None
    aggregate: Literal["last", "sum"] = "last"
    # regexes with a named group ``v`` that catch a stated value in free wording
    # ("我们是做软件开发的" → 软件); a capture naming no option maps to the catch-all option
    patterns: list[str] = Field(default_factory=list)
    fallback_from: str | None = None
    fallback_assumption: str | None = None

    _m = field_validator("max", mode="before")(
        lambda cls, v: None if v is None else exact_decimal(v)
    )

    @field_validator("patterns")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        for p in patterns:
            if "v" not in re.compile(p).groupindex:
                raise ValueError(f"pattern {p!r} needs a named group (?P<v>…)")
        return patterns

    @field_validator("false_patterns", "several_patterns")
    @classmethod
    def _false_patterns_compile(cls, patterns: list[str]) -> list[str]:
        for p in patterns:
            re.compile(p)  # a bad regex fails at load time, naming the rule
        return patterns

    def option_values(self) -> list[str]:
        return [o.value for o in self.options or []]

    def ask(self) -> str:
        return self.question or f"请问{self.label}是多少？"
