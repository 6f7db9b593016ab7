"""The orders app's models, one module per concern: the order and its lines (``order``),
price rules (``pricing``), payments and refunds (``settlement``), the timeline (``timeline``),
review checks (``review``), order numbers and import jobs (``imports``); the vocabulary of
states and choices lives in ``orders.states``."""

from ..states import (  # noqa: F401
    OrderStatus,
    MAIN_FLOW,
    EDITABLE_STATUSES,
    CANCELLABLE_STATUSES,
    OPEN_STATUSES,
    CLOSABLE_STATUSES,
    FINAL_STATUSES,
    Channel,
    OrderType,
    Priority,
    InvoiceType,
    PaymentMethod,
)
from .order import (  # noqa: F401
    UNBILLED_STATUSES,
    BILLED_AMOUNT,
    NET_PAID,
    BALANCE_DUE,
    OVERPAID_AMOUNT,
    UNPAID,
    transition_permission,
    Order,
    OrderLine,
)
from .pricing import (  # noqa: F401
    ValidityQuerySet,
    ContractPrice,
    LevelDiscount,
    QuantityBreak,
    Promotion,
    FreightRule,
    OrderAdjustment,
)
from .settlement import (  # noqa: F401
    Payment,
    Refund,
    RefundStatus,
    PayoutMethod,
    CustomerCredit,
    OpeningReceivable,
)
from .timeline import (  # noqa: F401
    OrderEvent,
)
from .review import (  # noqa: F401
    CheckResult,
    ReviewCheck,
)
from .imports import (  # noqa: F401
    DailyOrderSequence,
    ImportJob,
)
from .retention import RetentionRun  # noqa: F401
