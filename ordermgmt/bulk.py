"""Inserting many rows of a model fast: ``bulk_insert``.

Django's ``bulk_create`` prepares every value of every row through the field's full
conversion chain (``get_db_prep_save``), which for a batch of orders — tens of thousands of
rows of review checks, timeline entries, allocations and notices — costs more than the
database's own work. On PostgreSQL the values these rows hold (str, int, bool, Decimal,
aware datetimes, dates, primary keys) need no conversion at all, so ``bulk_insert`` passes
them as they are and converts only what needs it (JSON; anything unusual goes through the
field as Django would). Elsewhere (SQLite in development and tests) it is ``bulk_create``.

Like ``bulk_create``: ``auto_now``/``auto_now_add`` and blind indexes are filled, encrypted
fields are encrypted, a foreign key to an object
saved after it was assigned takes that object's new primary key, the objects get their
primary keys back, and no signal is sent.
"""

from django.db import connections, router
from django.db.models import Model

# Values of these fields are passed to the driver as they are (PostgreSQL).
_AS_THEY_ARE = {
    "AutoField", "BigAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField",
    "PositiveSmallIntegerField", "PositiveBigIntegerField", "BooleanField", "DecimalField", "DateTimeField",
    "DateField", "ForeignKey", "OneToOneField",
}
_TEXT = {"CharField", "TextField", "SlugField", "EmailField"}
_MAX_PARAMETERS = 30_000


def bulk_insert(objs: list[Model]) -> list[Model]:
    """INSERT every object (all of one model), returning them with their primary keys."""
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return model._default_manager.bulk_create(objs)
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not (f.primary_key and f.get_internal_type().endswith("AutoField"))]
    prepare = [_preparer(field, connection) for field in fields]
    # Filled at insert time like save() does: timestamps, and the blind indexes of encrypted
    # phones and names (ordermgmt.encryption).
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
               or getattr(f, "blind_index", False)]
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        for field in stamped:
            field.pre_save(obj, add=True)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per_statement = max(1, _MAX_PARAMETERS // len(fields))
    with connection.cursor() as cursor:
        for start in range(0, len(objs), per_statement):
            chunk = objs[start:start + per_statement]
            params = [convert(getattr(obj, field.attname)) for obj in chunk for field, convert in zip(fields, prepare)]
            cursor.execute(
                f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) VALUES {', '.join([row] * len(chunk))} "
                f"RETURNING {connection.ops.quote_name(meta.pk.column)}",
                params,
            )
            for obj, (pk,) in zip(chunk, cursor.fetchall()):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = alias
    return objs


def _preparer(field, connection):
    if getattr(field, "encrypted", False):  # personal data: encrypted on its way in
        return lambda value: field.get_db_prep_save(value, connection)
    kind = field.get_internal_type()
    if kind in _AS_THEY_ARE:
        return _same
    if kind in _TEXT:
        return _text
    return lambda value: field.get_db_prep_save(value, connection)


def _same(value):
    return value


def _text(value):
    # Choices members and lazy translations become plain strings, as CharField.to_python does.
    return value if value is None or type(value) is str else str(value)
