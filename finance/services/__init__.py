"""Every write of the finance app goes through a function of this package, one module per
area, each in one transaction (callers import from the module):

``reconciliation`` — bank statements imported (lines and account flows), matched to what they
pay (automatically: order number in the 附言, then the payer's account or name, then the
amount among the customer's open orders; or by a clerk), matches reversed with a reason. A
line is locked (``select_for_update``) by whoever matches it, so two clerks cannot spend it
twice. Money for orders is booked through ``orders.services.payment_record`` (reversed
through ``payment_reverse``), over-payments as customer credit, the rest of the opening
receivable through ``opening_receivable_settle``.

``cod`` — 代收货款 collected at delivery recorded per carrier (from ``PaymentRecorded``) and
settled by the carrier's remittance, oldest first.

``compensation`` — a logistics 赔偿 booked as a credit note on the order (``order_compensate``)
and a claim on the carrier.

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
from .costs import standard_cost_set  # noqa: F401,E402
from .statements import statement_dispatch_deliver, statement_send  # noqa: F401,E402

# ``statements`` — a customer statement (对账单) for a period queued to an e-mail address
# (``StatementDispatch``); the task ``finance.tasks.send_statement``, queued on commit, computes
# it, attaches the PDF and the .xlsx and sends it (``statement_dispatch_deliver``).
# ``costs`` — finance keeps a product's standard cost (its history records who changed it).
