"""The kinds of formula: one pydantic model per shape of clause, each with its ``compute``.

``Formula`` is the discriminated union on ``kind`` that :class:`~assistant.awards.rules.Rule`
validates its ``formula`` block against (rules.yaml keeps ``kind`` beside ``formula``; the
rule copies it in). Adding a kind is one model here plus rule cases: see the README.
Caps, rates and steps come from rules.yaml; nothing numeric about a policy is written here.
"""

from __future__ import annotations

from typing import Annotated, get_args

from pydantic import Field

from assistant.awards.formulas.amounts import Fixed, Negotiated, UpToCap
from assistant.awards.formulas.base import FormulaBase, Outcome, RuleParts, Upgrade, Values
from assistant.awards.formulas.counts import PerItemWithYearlyCap, PerStepWithCap
from assistant.awards.formulas.derive import Derivation
from assistant.awards.formulas.levels import HighestOf, LevelAmount, TieredLevels
from assistant.awards.formulas.shares import InterestSubsidy, MatchingShare, RateWithCap

Formula = Annotated[
    Fixed
    | RateWithCap
    | MatchingShare
    | PerStepWithCap
    | PerItemWithYearlyCap
    | TieredLevels
    | HighestOf
    | UpToCap
    | InterestSubsidy
    | Negotiated,
    Field(discriminator="kind"),
]

# kind name → model, in the union's order
KINDS: dict[str, type[FormulaBase]] = {
    model.model_fields["kind"].default: model for model in get_args(get_args(Formula)[0])
}
# kind name → how people read it (``award --list``)
KIND_LABELS: dict[str, str] = {kind: model.label for kind, model in KINDS.items()}

__all__ = [
    "KINDS",
    "KIND_LABELS",
    "Derivation",
    "Formula",
    "FormulaBase",
    "LevelAmount",
    "Outcome",
    "RuleParts",
    "Upgrade",
    "Values",
]
