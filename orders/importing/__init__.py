"""Excel batch import and export of orders.

``reader`` opens an uploaded .xlsx safely (``ordermgmt.workbooks``: python-calamine, cached values only) and
yields its rows; ``validation`` checks every cell against the master data loaded once
and builds the orders in memory; ``services`` keeps the import history (``ImportJob``)
and creates the orders in one transaction through ``orders.services.order_create_many``.
``template`` and ``export`` write workbooks with openpyxl in the same column layout, so
an export can be edited and imported again.
"""
