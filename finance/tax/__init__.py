"""How invoices reach the tax system (税控/数电平台) and how their numbers come back.

Issuing through the tax system itself is out of reach today; every adapter answers two
questions the services ask, so that a direct connection (a 税务 UKey service, a 乐企 API) is one
more class in ``TAX_SYSTEMS`` and nothing else changes:

- ``send(invoices)``: hand the 待开票 invoices over — the manual adapter writes the Excel the
  clerk imports into the tax tool (批量开票); a direct one would submit them.
- ``issued(data)``: the numbers the tax system gave — the manual adapter reads the tax tool's
  result Excel (or the clerk types one number on the invoice page); a direct one would poll.

``finance.services.invoice_issue`` records what ``issued`` returns, one invoice at a time."""

from .base import IssuedNumber, TaxSystem  # noqa: F401
from .manual import ManualTaxTool

TAX_SYSTEMS: dict[str, TaxSystem] = {"manual": ManualTaxTool()}


def tax_system(key: str = "manual") -> TaxSystem:
    return TAX_SYSTEMS[key]
