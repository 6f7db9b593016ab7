"""Models of the finance app, one module per area, re-exported here."""
from .invoices import INVOICED_STATUSES, Invoice, InvoiceKind, InvoiceLine, InvoiceStatus, InvoiceType  # noqa: F401
from .periods import ClosedPeriod  # noqa: F401
from .vouchers import DEFAULT_ACCOUNTS, AccountMapping, AccountRole, CreditNote  # noqa: F401

from .accounts import AccountFlow, SettlementAccount  # noqa: F401
from .reconciliation import BankStatement, LineStatus, PaymentMatch, StatementLine  # noqa: F401
from .cod import CarrierClaim, CodAllocation, CodCollection  # noqa: F401
from .costs import CostRights  # noqa: F401
from .statements import StatementDispatch  # noqa: F401
