"""What finance adds to every customer's account (``orders.receivables``): the money received
against an opening receivable (期初应收), dated when the bank line was matched (and reversed)."""

from collections.abc import Iterable
from datetime import datetime

from orders.receivables import LedgerEntry, OPENING_RECEIVABLE, register_ledger_source

from .models import PaymentMatch


def opening_settlement_entries(*, customer_id: int, until: datetime | None) -> Iterable[LedgerEntry]:
    matches = PaymentMatch.objects.filter(kind=PaymentMatch.Kind.OPENING, customer_id=customer_id)
    if until is not None:
        matches = matches.filter(matched_at__lt=until)
    for match in matches.select_related("line"):
        yield LedgerEntry(customer_id, match.matched_at, "payment", OPENING_RECEIVABLE, "收回期初应收（银行收款）",
                          credit=match.amount)
        if match.reversed_at is not None and (until is None or match.reversed_at < until):
            yield LedgerEntry(customer_id, match.reversed_at, "payment_reversed", OPENING_RECEIVABLE,
                              f"收款冲销：{match.reversal_reason}", debit=match.amount)


def register() -> None:
    register_ledger_source("opening_settlements", opening_settlement_entries)
