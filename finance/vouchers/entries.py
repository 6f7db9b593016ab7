"""A voucher and its entries (分录)."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Entry:
    summary: str  # 摘要
    account_code: str
    account_name: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    partner: str = ""  # 往来单位 (the customer), for the ledger's auxiliary accounting


@dataclass
class Voucher:
    on: date
    source: str  # what it records: "invoice:12", "payment:5"… (for tracing, not exported)
    entries: list[Entry] = field(default_factory=list)
    attachments: int = 1  # 附单据数
    number: int = 0  # 凭证号 within the month, given when the month's vouchers are put together

    @property
    def debit_total(self) -> Decimal:
        return sum((e.debit for e in self.entries), ZERO)

    @property
    def credit_total(self) -> Decimal:
        return sum((e.credit for e in self.entries), ZERO)

    @property
    def is_balanced(self) -> bool:
        return self.debit_total == self.credit_total
