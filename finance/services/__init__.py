"""Writes of the finance app.

- ``statement_send``: a customer statement for a period is queued to an e-mail address
  (``StatementDispatch``, one transaction); the task ``finance.tasks.send_statement``, queued on
  commit, computes it, attaches the PDF and the .xlsx and sends it (``statement_dispatch_deliver``).
- ``standard_cost_set``: finance keeps a product's standard cost (recorded in the product's
  history with who changed it).
"""

from .costs import standard_cost_set  # noqa: F401
from .statements import statement_dispatch_deliver, statement_send  # noqa: F401
