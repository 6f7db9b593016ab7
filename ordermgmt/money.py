"""Money is Decimal, rounded half-up to the cent (the convention of Chinese invoices)."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_yuan(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"¥{to_money(value):,.2f}"
