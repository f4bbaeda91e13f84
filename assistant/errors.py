"""Errors a person can act on; messages are Chinese because end users read them."""


class QuestionError(ValueError):
    """The question cannot be answered as given (empty, too long, …)."""
