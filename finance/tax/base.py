"""The adapter interface of a tax system."""

from dataclasses import dataclass
from datetime import date
from typing import Protocol


@dataclass(frozen=True)
class IssuedNumber:
    """What the tax system issued for one of our invoices (``invoice_id`` is our 单据号)."""

    invoice_id: int
    number: str
    code: str
    issued_on: date


@dataclass(frozen=True)
class Problem:
    row: int
    message: str


class TaxSystem(Protocol):
    key: str
    label: str

    def send(self, invoices) -> bytes:
        """Hand over the 待开票 invoices; returns the file for the clerk (empty if none)."""

    def issued(self, data: bytes) -> tuple[list[IssuedNumber], list[Problem]]:
        """The numbers issued, and the rows that could not be read."""
