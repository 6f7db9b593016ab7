"""The unit price of an imported line whose 单价 cell is empty.

One function on purpose: the pricing-rules engine (customer level, quantity breaks,
contract prices) plugs in here, and the import and every caller follow.
"""

from decimal import Decimal


def default_unit_price(*, customer, product, quantity: int) -> Decimal:
    """Price before tax for ``quantity`` of ``product`` sold to ``customer`` (may be a new,
    unsaved customer: ``None``). For now, the product's list price."""
    return product.list_price
