"""Spreadsheet safety shared by every export: formula injection.

A cell text starting with = + - @ (or a tab / carriage return) is run as a formula by
Excel and WPS when the file is opened — a customer named ``=HYPERLINK(...)`` would
become a live link. Exports write such texts with a leading apostrophe; imports remove
that guard again, so an export → edit → import round trip loses nothing.
"""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def unguard(value):
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in FORMULA_TRIGGERS:
        return value[1:]
    return value


class FormulaSafeResourceMixin:
    """For django-import-export resources: neutralise on export, unguard on import.

    (The library's own IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only drops a leading "="
    and loses data; this keeps the value and covers every trigger character.)
    """

    def export_field(self, field, instance, **kwargs):
        return neutralise(super().export_field(field, instance, **kwargs))

    def before_import_row(self, row, **kwargs):
        for key in list(row.keys()):
            row[key] = unguard(row[key])
        super().before_import_row(row, **kwargs)
