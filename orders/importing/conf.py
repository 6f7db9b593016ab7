"""Limits of the import; each can be overridden in the Django settings."""

from django.conf import settings

DEFAULTS = {
    # Upload size and data rows a file may have.
    "ORDER_IMPORT_MAX_BYTES": 10 * 1024 * 1024,
    "ORDER_IMPORT_MAX_ROWS": 20_000,
    # Columns a sheet may use: the template's 16, the error report's 问题说明, and room for
    # a few shifted or extra columns. With the row limit (plus the rows above the header)
    # it bounds the range a reader allocates for a sheet.
    "ORDER_IMPORT_MAX_COLUMNS": 32,
    # An .xlsx is a zip: a small upload can inflate enormously (zip bomb).
    "ORDER_IMPORT_MAX_UNPACKED_BYTES": 200 * 1024 * 1024,
    # Files up to this size are checked during the upload request; larger ones run as a
    # Celery task with a progress bar.
    "ORDER_IMPORT_INLINE_MAX_BYTES": 100 * 1024,
    # Orders shown on the preview page.
    "ORDER_IMPORT_PREVIEW_ORDERS": 100,
    # Lines an order-list export may contain.
    "ORDER_EXPORT_MAX_LINES": 50_000,
}


def limit(name: str) -> int:
    return getattr(settings, name, DEFAULTS[name])
