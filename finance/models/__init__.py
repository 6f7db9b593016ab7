"""Models of the finance app, one module per area, re-exported here."""
from .invoices import INVOICED_STATUSES, Invoice, InvoiceKind, InvoiceLine, InvoiceStatus, InvoiceType  # noqa: F401
from .periods import ClosedPeriod  # noqa: F401
from .vouchers import DEFAULT_ACCOUNTS, AccountMapping, AccountRole  # noqa: F401
