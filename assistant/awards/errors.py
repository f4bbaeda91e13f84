"""The one exception the award module raises for bad input."""

from __future__ import annotations


class AwardInputError(ValueError):
    """Unknown rule or input, or an unusable value; ``str(err)`` is a Chinese message."""
