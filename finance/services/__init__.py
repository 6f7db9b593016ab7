"""Finance writes, each in one transaction:

- ``invoice_draft`` locks the chosen orders (id order), refuses any already covered by a blue
  invoice, and writes a 待开票 invoice with the orders' lines (amount and tax per line as on
  the order; returned units left out).
- ``invoice_issue`` locks the invoice, checks the period of its date is open, records the
  number/code/date the tax system gave it: 待开票 → 已开票.
- ``invoice_reverse`` locks a blue invoice, writes the red invoice for what is left of it (dated
  in an open period) and moves the blue one to 已红冲.
- ``invoice_red_for_return`` (on ``RefundRecorded``, in the refund's transaction) drafts a red
  invoice for returned units already invoiced, and tells finance.
- ``period_close`` closes a month; ``period_guard`` is what ``ordermgmt.periods`` asks.
- ``account_mapping_update`` sets the account codes of the voucher export.
"""

from .accounts import account_mapping_update  # noqa: F401
from .invoices import (  # noqa: F401
    invoice_draft,
    invoice_issue,
    invoice_red_for_return,
    invoice_reverse,
    invoices_record_issued,
    invoiceable_lines,
    line_share,
)
from .periods import period_close, period_guard  # noqa: F401
