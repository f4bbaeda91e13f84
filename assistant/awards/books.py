"""The rule books of every loaded policy, one per slug, and lookup across them.

Ids follow CONTRACT §1: a rule or clause of the default policy is shown bare (``四.10``), one
of any other loaded policy qualified by its slug (``example-hx-ic-2024:第八条``). With one
policy loaded nothing is qualified, so every surface looks as it did before.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from assistant.answer import AwardResult
from assistant.awards.errors import AwardInputError
from assistant.awards.evaluate import evaluate
from assistant.awards.rules import Note, Rule, RuleBook, load_rulebook
from knowledge.catalog import policy_dirs
from knowledge.settings import Settings


class RuleBooks:
    """Rule books by slug, the default policy's first."""

    def __init__(self, books: Mapping[str, RuleBook], default_slug: str) -> None:
        self.default_slug = default_slug
        ordered = sorted(books.items(), key=lambda kv: kv[0] != default_slug)
        self._books: dict[str, RuleBook] = {
            slug: book.model_copy(update={"qualified": slug != default_slug})
            for slug, book in ordered
        }

    @classmethod
    def load(cls, settings: Settings) -> RuleBooks:
        """The rules.yaml of every loaded policy folder (a policy without one has no awards)."""
        books: dict[str, RuleBook] = {}
        for folder in policy_dirs(settings):
            if not (folder / "rules.yaml").is_file():
                continue
            book = load_rulebook(folder)
            if book.policy != folder.name:
                where = folder / "rules.yaml"
                raise ValueError(f"{where}: policy “{book.policy}”与目录名“{folder.name}”不一致")
            books[folder.name] = book
        return cls(books, settings.default_policy)

    # -- the books ------------------------------------------------------------------------------

    def __iter__(self) -> Iterator[RuleBook]:
        return iter(self._books.values())

    def __len__(self) -> int:
        return len(self._books)

    def __contains__(self, slug: object) -> bool:
        return slug in self._books

    @property
    def slugs(self) -> list[str]:
        return list(self._books)

    @property
    def default(self) -> RuleBook | None:
        """The default policy's book (or the first loaded, when the default has no rules)."""
        return self._books.get(self.default_slug) or next(iter(self._books.values()), None)

    def book(self, slug: str) -> RuleBook | None:
        return self._books.get(slug)

    # -- rules across books -----------------------------------------------------------------------

    def resolve(self, ref: str) -> tuple[RuleBook, Rule]:
        """``四.10`` (default policy), ``slug:四.10``, or a (qualified) tool name."""
        if not isinstance(ref, str):
            raise AwardInputError("规则编号应为文字，如“四.10”")
        key = ref.strip()
        slug, sep, _ = key.partition(":")
        if sep:
            book = self._books.get(slug)
            if book is None:
                raise AwardInputError(f"未知的政策：{slug}")
            return book, book.get(key)
        default = self.default
        if default is not None:
            found = default.find(key)
            if found is not None:
                return default, found
        for book in self._books.values():  # a qualified tool name carries its slug in it
            if book is not default and book.qualified and "__" in key:
                found = book.find(key)
                if found is not None:
                    return book, found
        if default is None:
            raise AwardInputError(f"未知的奖励规则：{ref}")
        return default, default.get(key)  # raises, with the clause's rules as a hint

    def find(self, ref: str) -> tuple[RuleBook, Rule] | None:
        try:
            return self.resolve(ref)
        except AwardInputError:
            return None

    def rule(self, ref: str) -> Rule | None:
        found = self.find(ref)
        return found[1] if found is not None else None

    def evaluate(
        self,
        ref: str,
        inputs: Mapping[str, Any],
        *,
        today: date,
        stated: set[str] | None = None,
    ) -> AwardResult:
        book, rule = self.resolve(ref)
        return evaluate(rule.id, inputs, today=today, stated=stated, rulebook=book)

    def input_schemas(self) -> list[dict[str, Any]]:
        """What GET /api/rules lists: every rule of every book, ids as shown."""
        out = []
        for book in self._books.values():
            for rule in book.rules.values():
                schema = rule.input_schema()
                schema.update(
                    rule=book.ref(rule.id),
                    clause=book.ref(rule.clause),
                    name=book.tool_name(rule),
                    policy=book.policy,
                )
                out.append(schema)
        return out

    def notes(self, note_id: str) -> list[tuple[RuleBook, Note]]:
        """A note (就高不重复 …) as each policy that states it words it."""
        return [(b, n) for b in self._books.values() if (n := b.note(note_id)) is not None]
