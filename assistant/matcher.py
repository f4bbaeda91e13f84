"""一企一策: which awards an enterprise profile may qualify for.

The matcher asks for a short profile (the fields several award rules share) and, per rule,
the fields only that rule takes; every rule the profile touches is then computed by the
rule module. This module holds that logic; ``ui/tabs/matcher.py`` only renders it.
Rules are the dicts of ``Assistant.rules()`` with ``id``, ``clause`` and ``inputs``.
When two loaded policies provide for the same matter, the matcher makes the choice
``assistant.overlap`` makes for a question: 就高不重复, the higher taken, the other not added.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from assistant.answer import AwardResult
from assistant.awards import AwardInputError
from assistant.awards.books import RuleBooks
from assistant.overlap import choose_higher, same_matter

logger = logging.getLogger("assistant.matcher")

FieldKey = tuple[str, str]
Spec = dict[str, Any]
Rule = dict[str, Any]
AwardFn = Callable[[str, Mapping[str, Any]], AwardResult]

FAILED = "系统暂时无法测算本条"


@dataclass(frozen=True)
class Match:
    """One rule the profile touched: its award, or why it could not be computed."""

    rule: Rule
    award: AwardResult | None
    error: str | None = None

    @property
    def possible(self) -> bool:
        return self.award is not None and self.award.eligible is not False

    @property
    def ruled_out(self) -> bool:
        return self.award is not None and self.award.eligible is False

    @property
    def counted(self) -> bool:
        """Possible and not set aside for another policy's higher award on the same matter."""
        return self.possible and self.award is not None and self.award.chosen is not False

    @property
    def note(self) -> str | None:
        """Why this award is taken or not when another policy provides for the same matter."""
        return self.award.note if self.award is not None else None


def field_key(spec: Spec) -> FieldKey:
    # Names alone are not unique in meaning (requested_yuan is a voucher in 四.6 and an
    # operating subsidy in 四.9): a field is shared only when name and label agree.
    return (spec["name"], spec.get("label", ""))


def profile_layout(rules: list[Rule]) -> tuple[list[Spec], list[tuple[Rule, list[Spec]]]]:
    """Fields several rules share (the short enterprise profile), then each rule's own fields."""
    uses: dict[FieldKey, int] = {}
    for rule in rules:
        for key in {field_key(s) for s in rule["inputs"]}:
            uses[key] = uses.get(key, 0) + 1
    shared: dict[FieldKey, Spec] = {}
    per_rule = []
    for rule in rules:
        own = []
        for spec in rule["inputs"]:
            key = field_key(spec)
            if uses[key] > 1:
                shared.setdefault(key, spec)
            else:
                own.append(spec)
        per_rule.append((rule, own))
    return list(shared.values()), per_rule


def match_profile(
    award: AwardFn,
    rules: list[Rule],
    profile: Mapping[FieldKey, Any],
    own: Mapping[str, Mapping[str, Any]],
    books: RuleBooks | None = None,
) -> list[Match]:
    """Every rule the profile touches, computed by ``award``, largest amounts first.

    ``profile`` holds the filled shared fields by (name, label), ``own`` each rule's own
    values by rule id. A rule is evaluated when one of its own fields is filled, or, when
    all its fields are shared ones, when one of those is. With ``books`` (every loaded
    policy's rules), awards of two policies for the same matter get 就高不重复: ``chosen``
    and ``note`` on each, the lower not ``counted``."""
    shared_specs, _ = profile_layout(rules)
    shared_keys = {field_key(s) for s in shared_specs}
    results = []
    for rule in rules:
        mine = dict(own.get(rule["id"], {}))
        common = {
            s["name"]: profile[field_key(s)] for s in rule["inputs"] if field_key(s) in profile
        }
        has_own = any(field_key(s) not in shared_keys for s in rule["inputs"])
        if not mine and (has_own or not common):
            continue
        try:
            result = award(rule["id"], {**common, **mine})
        except (AwardInputError, ValueError) as exc:
            results.append(Match(rule, None, str(exc)))
            continue
        except Exception:  # one broken rule must not hide the others' results
            logger.exception("award %s failed", rule["id"])
            results.append(Match(rule, None, FAILED))
            continue
        results.append(Match(rule, result))
    if books is not None:
        take_higher(results, books)
    # Claimable first (largest amount first), then those needing facts, then ruled out.
    results.sort(key=lambda m: match_order(m.award))
    return results


def take_higher(matches: list[Match], books: RuleBooks) -> None:
    """Marks, in place, the awards of different policies for one matter with the choice of
    ``assistant.overlap.choose_higher``. A group holding two rules of one policy is left
    alone: 就高不重复 is between policies, not between a policy's own rules."""
    computed = [m for m in matches if m.award is not None]
    groups: list[list[Match]] = []
    for m in computed:
        joined = [
            g for g in groups if any(same_matter(books, m.rule["id"], o.rule["id"]) for o in g)
        ]
        merged = [m, *(o for g in joined for o in g)]
        groups = [g for g in groups if g not in joined] + [merged]
    for group in groups:
        policies = [m.award.policy for m in group if m.award is not None]
        if len(group) > 1 and len(set(policies)) == len(policies):
            choose_higher([m.award for m in group if m.award is not None], books)


def match_order(award: AwardResult | None) -> tuple[int, int]:
    if award is None or award.eligible is False:
        return (2, 0)
    if award.chosen is False:  # shown after the ones counted: not added to the total
        return (1, 1)
    if award.amount_yuan is None:
        return (1, 0)
    return (0, -award.amount_yuan)
