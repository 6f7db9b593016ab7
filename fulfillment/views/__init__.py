"""Fulfillment pages, one module per desk: production, warehouse, logistics, exceptions,
notifications; plus the public tracking page and the carriers' push endpoint."""
