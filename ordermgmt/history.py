"""The history of master data, read from django-simple-history and shown in the portal.

Each app keeps the history of its own models (``history = HistoricalRecords()`` on the
model, the acting user named by its services with ``attribute_change``, else taken from the
signed-in request by simple-history's middleware) and offers a 历史 page for a record through
``history_page``: one row per saved version, who and when, and old → new per changed field.
What a field shows is the same label the record's own page shows (choice labels, the related
record's name, 是/否); an app hides personal values from users who may not see them by passing
``shown``.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _, gettext_lazy

# Bookkeeping columns that change with every save or never: not worth a row.
HIDDEN_FIELDS = frozenset({"id", "search_key", "created_at", "updated_at", "updated_by", "created_by"})
# The newest versions a page shows; older ones stay in the database (and the admin).
PAGE_LIMIT = 200
EMPTY = "—"

KIND_LABELS = {"+": gettext_lazy("创建"), "~": gettext_lazy("修改"), "-": gettext_lazy("删除")}

# (record, field name, value as displayed) → what this user may see of it.
ShownValue = Callable[[models.Model, str, str], str]


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    kind: str
    record: str
    reason: str
    changes: tuple[FieldChange, ...]


def signed_in_user(request=None, **kwargs):
    """simple-history's fallback for a save no service attributed: the request's signed-in
    staff user. An API client (DRF's request.user on the API) is not a user: nobody then."""
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False) and getattr(user, "_meta", None) \
            and user._meta.label == settings.AUTH_USER_MODEL:
        return user
    return None


def attribute_change(instance: models.Model, user, reason: str = "") -> models.Model:
    """Name who makes the next save of ``instance`` (and why) in its history, also where no
    request is signed in (Celery tasks, the API, management commands)."""
    if user is not None and getattr(user, "is_authenticated", False) and hasattr(user, "_meta") \
            and user._meta.label == settings.AUTH_USER_MODEL:
        instance._history_user = user
    if reason:
        instance._change_reason = reason[:100]
    return instance


def display_value(field, value) -> str:
    """A field's value as the portal shows it: choice labels, the related record's name, 是/否."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, models.Model):
        if hasattr(value, "get_full_name"):
            return (value.get_full_name() or "").strip() or value.get_username()
        return str(value)
    if field.flatchoices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, (list, tuple)):
        return "、".join(str(item) for item in value) or EMPTY
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "Y-m-d H:i")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return str(value)


def _display(record, field) -> str:
    value = getattr(record, field.attname)
    if field.is_relation and value is not None:
        try:
            value = getattr(record, field.name)
        except ObjectDoesNotExist:
            return f"#{value}"
    return display_value(field, value)


def _tracked_fields(record, hidden: Iterable[str]) -> list:
    skip = HIDDEN_FIELDS | set(hidden)
    return [field for field in record.tracked_fields if field.name not in skip]


def _changes(record, previous, fields, shown: ShownValue | None) -> tuple[FieldChange, ...]:
    changes = []
    for field in fields:
        new = _display(record, field) if record.history_type != "-" else EMPTY
        old = _display(previous, field) if previous is not None else EMPTY
        if record.history_type == "-":
            old = _display(record, field)
        if old == new:
            continue
        if shown is not None:
            old = shown(record, field.name, old) if old != EMPTY else old
            new = shown(record, field.name, new) if new != EMPTY else new
        changes.append(FieldChange(label=str(field.verbose_name), old=old, new=new))
    return tuple(changes)


def _actor(record) -> str:
    user = record.history_user
    if user is None:
        return _("系统")
    return (user.get_full_name() or "").strip() or user.get_username()


def history_entries(
    histories: Iterable, *, label: Callable[[models.Model], str] = str, shown: ShownValue | None = None,
    hidden: Iterable[str] = (),
) -> list[HistoryEntry]:
    """The versions of one or more records, newest first, each with its changed fields.

    ``histories`` are simple-history managers or querysets (e.g. a customer's and its
    contacts'); ``label`` names the record a version belongs to.
    """
    records = []
    for history in histories:
        records.extend(history.select_related("history_user").order_by("-history_date", "-history_id")[:PAGE_LIMIT])
    by_object: dict[tuple, list] = {}
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        object_id = getattr(record, record.instance_type._meta.pk.attname)
        by_object.setdefault((record.instance_type, object_id), []).append(record)
    entries = []
    for versions in by_object.values():
        # The version before the oldest one on the page, when the page does not reach back to it.
        previous = versions[0].prev_record if versions[0].history_type == "~" else None
        for record in versions:
            changes = _changes(record, previous, _tracked_fields(record, hidden), shown)
            if changes or record.history_type != "~":
                entries.append(HistoryEntry(
                    at=record.history_date, actor=_actor(record), kind=str(KIND_LABELS[record.history_type]),
                    record=label(record), reason=record.history_change_reason or "", changes=changes,
                ))
            previous = record
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:PAGE_LIMIT]


def history_page(request, *, title: str, entries: list[HistoryEntry], back_url: str, back_label: str):
    """The 历史 page of a record (the caller has checked that the user may view the record)."""
    return render(request, "portal/history.html", {
        "title": title, "entries": entries, "back_url": back_url, "back_label": back_label,
    })


def record_baselines(*model_labels: str):
    """A migration step: one 创建 version of every row that exists when history starts being
    kept, so that the first change made afterwards shows its old values too."""

    def run(apps, schema_editor):
        now = timezone.now()
        for label in model_labels:
            app_label, model_name = label.split(".")
            model = apps.get_model(app_label, model_name)
            historical = apps.get_model(app_label, f"Historical{model_name}")
            copied = [field for field in historical._meta.concrete_fields
                      if not field.name.startswith("history_")]
            rows = [
                historical(**{field.attname: getattr(row, field.attname) for field in copied},
                           history_date=now, history_type="+", history_change_reason=BASELINE_REASON)
                for row in model.objects.iterator(chunk_size=2000)
            ]
            historical.objects.bulk_create(rows, batch_size=2000)

    return run


BASELINE_REASON = "开始记录历史时的状态"
