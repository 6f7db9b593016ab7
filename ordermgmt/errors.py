"""One family of business errors.

Services raise these with a message a clerk can act on ("库存不足：A100 缺 3 件");
views turn them into a flash message and redirect back, never a 500.
"""

from django.core.exceptions import PermissionDenied


class BusinessError(Exception):
    """A rule of the business refused the action. ``str(error)`` is shown to the user."""

    def __init__(self, message: str, *, code: str = "business_error") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


class InvalidTransition(BusinessError):
    """The order (or case) is not in a state where this step is possible."""


class ActionForbidden(BusinessError, PermissionDenied):
    """The user's role does not allow this action; views answer 403."""


class InsufficientStock(BusinessError):
    """Not enough available stock to cover the requested quantity."""

    shortages: list = []

    def with_shortages(self, shortages: list) -> "InsufficientStock":
        self.shortages = list(shortages)
        return self


class InvalidInput(BusinessError):
    """Submitted data breaks a business rule (e.g. a line with quantity 0)."""


class InvalidBatch(InvalidInput):
    """Some entries of a batch break a rule. ``problems`` lists ``(index, message)`` per
    refused entry (0-based, in the order they were given), so that a caller entering many
    orders can name each one; ``str(error)`` is the whole list for a clerk."""

    def __init__(self, message: str, *, problems, code: str = "business_error") -> None:
        super().__init__(message, code=code)
        self.problems = list(problems)
