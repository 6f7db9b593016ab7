"""Business errors of the integrations, in the platform's one family (``ordermgmt.errors``).
The API answers each with its ``code``; ``field`` names the part of the request at fault."""

from ordermgmt.errors import BusinessError, InvalidInput


class DuplicateOrder(BusinessError):
    """The channel sent this order before (same channel, same external number)."""

    def __init__(self, order) -> None:
        super().__init__(
            f"外部单号“{order.external_ref}”已在本渠道创建为订单 {order.number}，未重复创建",
            code="duplicate_order",
        )
        self.order = order


class UnknownReference(InvalidInput):
    """A customer code or SKU the platform does not know."""

    def __init__(self, message: str, *, field: str, code: str) -> None:
        super().__init__(message, code=code)
        self.field = field


class IdempotencyConflict(BusinessError):
    """The idempotency key is held by a request still running, or was used for another request."""
