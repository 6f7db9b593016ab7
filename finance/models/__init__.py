"""Models of the finance app, one module per area, re-exported here."""

from .costs import CostRights  # noqa: F401
from .statements import StatementDispatch  # noqa: F401
