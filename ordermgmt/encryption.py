"""Personal data encrypted at rest, and blind indexes to find it again.

A column declared with ``EncryptedCharField`` / ``EncryptedEmailField`` / ``EncryptedTextField``
holds ``enc:<key id>:<base64url(nonce ‖ AES-256-GCM ciphertext ‖ tag)>`` in the database and the
plain text on the model: the value is encrypted on its way in (every save, update, bulk write)
and decrypted on its way out. Keys come from ``settings.FIELD_ENCRYPTION_KEYS`` (the first
encrypts, every one decrypts: adding a new key in front and running ``encryption_rotate``
re-encrypts everything with it, after which the old key can go). The key id in each value
names the key that decrypts it, so a value never needs trying every key.

An encrypted column cannot be searched, filtered or sorted by the database (the same phone
encrypts differently every time): the only lookups allowed are ``isnull`` and ``= ''`` (empty
values are stored empty). Exact search goes through a ``BlindIndexField`` beside the column:
HMAC-SHA256 of the normalised value under a separate key (``FIELD_BLIND_INDEX_KEY``), equal
for equal values, useless without the key.

A value that is not in the ``enc:`` form is read as it is: rows written before the column was
encrypted (the data migrations and ``encryption_rotate`` encrypt them in batches).
"""

import base64
import functools
import hashlib
import hmac
import json
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models

PREFIX = "enc:"
_NONCE_BYTES = 12
_KEY_ID_CHARS = 8


def generate_key() -> str:
    """A new random key in the form FIELD_ENCRYPTION_KEYS expects (32 bytes, base64url)."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def decode_key(text: str, *, setting: str = "FIELD_ENCRYPTION_KEYS") -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode())
    except (ValueError, TypeError):
        key = b""
    if len(key) != 32:
        raise ImproperlyConfigured(
            f"{setting}: each key must be 32 random bytes in base64url "
            "(python manage.py encryption_rotate --generate-key prints one)"
        )
    return key


def _key_id(key: bytes) -> str:
    return hashlib.sha256(b"ordermgmt field key id" + key).hexdigest()[:_KEY_ID_CHARS]


class Keyring:
    def __init__(self, keys: tuple[str, ...]):
        if not keys:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: personal data cannot be encrypted")
        decoded = [decode_key(key) for key in keys]
        self.current_id = _key_id(decoded[0])
        self._current = AESGCM(decoded[0])
        self._by_id = {_key_id(key): AESGCM(key) for key in decoded}

    def encrypt(self, plain: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._current.encrypt(nonce, plain.encode(), None)
        return f"{PREFIX}{self.current_id}:{base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"

    def decrypt(self, stored: str) -> str:
        key_id, _, payload = stored[len(PREFIX):].partition(":")
        cipher = self._by_id.get(key_id)
        if cipher is None:
            raise ImproperlyConfigured(
                f"A value is encrypted with key {key_id}, which is not in FIELD_ENCRYPTION_KEYS: "
                "put that key back (after the newest) until encryption_rotate has run"
            )
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        try:
            return cipher.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], None).decode()
        except InvalidTag as error:
            raise ValueError(f"An encrypted value (key {key_id}) was altered or is damaged") from error

    def is_current(self, stored: str) -> bool:
        return stored.startswith(f"{PREFIX}{self.current_id}:")


@functools.lru_cache(maxsize=8)
def _keyring(keys: tuple[str, ...]) -> Keyring:
    return Keyring(keys)


def keyring() -> Keyring:
    return _keyring(tuple(settings.FIELD_ENCRYPTION_KEYS))


def is_encrypted(stored) -> bool:
    return isinstance(stored, str) and stored.startswith(PREFIX)


def encrypt(plain: str | None) -> str | None:
    """Empty stays empty (a blank e-mail is not a secret, and ``= ''`` keeps working)."""
    if plain is None or plain == "":
        return plain
    return keyring().encrypt(str(plain))


def decrypt(stored: str | None) -> str | None:
    return keyring().decrypt(stored) if is_encrypted(stored) else stored


# --- blind indexes -------------------------------------------------------------------------

_NOT_DIGITS = re.compile(r"\D")


def phone_for_index(phone: str) -> str:
    """The digits of a phone number without the country code: “+86 138-1234-5678”,
    “13812345678” and “8613812345678” are one number; “010-87654321” is “01087654321”."""
    digits = _NOT_DIGITS.sub("", phone or "")
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


@functools.lru_cache(maxsize=4)
def _index_key(text: str) -> bytes:
    if not text:
        raise ImproperlyConfigured("FIELD_BLIND_INDEX_KEY is empty: encrypted phones cannot be searched")
    return decode_key(text, setting="FIELD_BLIND_INDEX_KEY")


def blind_index(normalised: str) -> str:
    """HMAC-SHA256 of an already normalised value (128 bits in hex); empty for empty."""
    if not normalised:
        return ""
    digest = hmac.new(_index_key(settings.FIELD_BLIND_INDEX_KEY), normalised.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def contact_for_index(value: str) -> str:
    """An e-mail address in lower case, anything else as a phone number."""
    value = (value or "").strip()
    return value.lower() if "@" in value else phone_for_index(value)


def contact_blind_index(value: str) -> str:
    """What to look up in a blind index column for a typed phone number or e-mail address."""
    return blind_index(contact_for_index(value))


phone_blind_index = contact_blind_index

_SPACES = re.compile(r"\s+")


def name_for_index(name: str) -> str:
    """A person's name with its spaces collapsed, in lower case (“Li  Lei” is “li lei”)."""
    return _SPACES.sub(" ", (name or "").strip()).lower()


def name_blind_index(name: str) -> str:
    """What to look up in a name's blind index column for a typed whole name."""
    return blind_index(name_for_index(name))


# How each kind of blind index normalises its source before the HMAC.
INDEX_KINDS = {"contact": contact_for_index, "name": name_for_index}


# --- model fields --------------------------------------------------------------------------


class _EmptyOnlyExact(models.lookups.Exact):
    """``field=''`` finds blank values (stored empty); any other value cannot match a
    ciphertext and is refused rather than silently finding nothing."""

    def get_db_prep_lookup(self, value, connection):
        if value not in ("", None):
            raise FieldError(
                f"{self.lhs.target.model.__name__}.{self.lhs.target.name} is encrypted: "
                "search it through its blind index (ordermgmt.encryption)"
            )
        return super().get_db_prep_lookup(value, connection)


class EncryptedMixin:
    """Stored encrypted in a text column; ``max_length`` limits the plain text (forms,
    validation). Only ``isnull`` and ``= ''`` may be queried."""

    encrypted = True

    def get_internal_type(self) -> str:
        return "TextField"

    def db_parameters(self, connection):
        # A text column of any length (the ciphertext is longer than the plain text).
        return {"type": connection.data_types["TextField"], "check": None, "collation": None}

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        return encrypt(value)

    def from_db_value(self, value, expression, connection):
        return decrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        if lookup_name == "exact":
            return _EmptyOnlyExact
        return None

    def get_transform(self, lookup_name):
        return None


class EncryptedCharField(EncryptedMixin, models.CharField):
    pass


class EncryptedEmailField(EncryptedMixin, models.EmailField):
    pass


class EncryptedTextField(EncryptedMixin, models.TextField):
    pass


class EncryptedJSONField(EncryptedMixin, models.JSONField):
    """JSON kept as encrypted text (an import's preview rows, its problems with the values
    typed): read and written as Python data, never queried by key."""

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        return encrypt(json.dumps(value, cls=self.encoder, ensure_ascii=False))

    def get_db_prep_save(self, value, connection):
        return self.get_db_prep_value(value, connection)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return json.loads(decrypt(value), cls=self.decoder)


def encrypted_fields(model) -> list[models.Field]:
    return [field for field in model._meta.concrete_fields if getattr(field, "encrypted", False)]


class BlindIndexField(models.CharField):
    """The blind index of the phone number or e-mail address in ``source`` (a field of the
    same model), kept in step on every save and bulk create; search it with
    ``contact_blind_index(typed)``."""

    blind_index = True

    def __init__(self, *args, source: str, kind: str = "contact", **kwargs):
        self.source, self.kind = source, kind
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        if self.kind != "contact":
            kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def index_of(self, plain: str) -> str:
        return blind_index(INDEX_KINDS[self.kind](plain))

    def pre_save(self, model_instance, add):
        value = self.index_of(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


def blind_index_fields(model) -> list[BlindIndexField]:
    return [field for field in model._meta.concrete_fields if getattr(field, "blind_index", False)]


class KeepsBlindIndexes:
    """Mixed into a model with blind indexes: ``save(update_fields=[source])`` writes the
    index too."""

    def save(self, *args, update_fields=None, **kwargs):
        if update_fields is not None:
            update_fields = set(update_fields)
            update_fields |= {field.name for field in blind_index_fields(type(self)) if field.source in update_fields}
        super().save(*args, update_fields=update_fields, **kwargs)


# --- whole tables: encrypting existing rows, rotating keys ------------------------------------


def reencrypt_table(connection, *, table: str, columns: list[str], indexes: dict[str, str] | None = None,
                    batch_size: int = 1000, decrypt_only: bool = False) -> int:
    """Bring every row of ``table`` to the newest key: plain text (rows written before the
    column was encrypted) and values under an older key are encrypted again; values already
    under the newest key are left alone, so a second run changes nothing and an interrupted
    run resumes where it stopped. ``indexes`` maps a blind index column to its source column;
    a wrong or missing index is rewritten. With ``decrypt_only`` every value is written back
    in clear (the data migrations' way back). Batches of ``batch_size`` rows by primary key,
    each in its own transaction with its rows locked; returns the number of rows changed."""
    from django.db import transaction

    indexes = indexes or {}
    quote = connection.ops.quote_name
    read = list(dict.fromkeys([*columns, *indexes]))
    select = (f"SELECT {quote('id')}, {', '.join(map(quote, read))} FROM {quote(table)}"
              f" WHERE {quote('id')} > %s ORDER BY {quote('id')} LIMIT %s")
    if connection.features.has_select_for_update:
        select += " FOR UPDATE"
    ring = keyring()
    last_id, changed = 0, 0
    while True:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(select, [last_id, batch_size])
            rows = cursor.fetchall()
            if not rows:
                return changed
            updates = []
            for row_id, *stored in rows:
                values = dict(zip(read, stored))
                new = _row_changes(ring, values, columns, indexes, decrypt_only)
                if new:
                    updates.append((row_id, [new.get(column, values[column]) for column in read]))
            _write_rows(connection, cursor, table, read, updates)
            changed += len(updates)
            last_id = rows[-1][0]


def _write_rows(connection, cursor, table: str, columns: list[str], updates: list) -> None:
    """One statement per batch on PostgreSQL (UPDATE … FROM VALUES), one per row elsewhere."""
    if not updates:
        return
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        from psycopg2.extras import execute_values

        assignments = ", ".join(f"{quote(column)} = v.{quote(column)}" for column in columns)
        names = ", ".join(map(quote, ["id", *columns]))
        execute_values(cursor.cursor, f"UPDATE {quote(table)} AS t SET {assignments} FROM (VALUES %s) AS v({names})"
                       f" WHERE t.{quote('id')} = v.{quote('id')}", [(row_id, *values) for row_id, values in updates],
                       page_size=len(updates))
        return
    assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
    cursor.executemany(f"UPDATE {quote(table)} SET {assignments} WHERE {quote('id')} = %s",
                       [(*values, row_id) for row_id, values in updates])


def _row_changes(ring: Keyring, stored: dict, columns: list[str], indexes: dict[str, str],
                 decrypt_only: bool) -> dict:
    plain = {column: decrypt(stored[column]) for column in columns}
    if decrypt_only:
        return {column: plain[column] for column in columns if plain[column] != stored[column]}
    new = {column: ring.encrypt(plain[column]) for column in columns
           if stored[column] and not ring.is_current(stored[column])}
    for index, spec in indexes.items():
        source, kind = (spec, "contact") if isinstance(spec, str) else spec
        wanted = blind_index(INDEX_KINDS[kind](plain[source] or ""))
        if wanted != stored[index]:
            new[index] = wanted
    return new


def encrypted_tables(models_to_scan) -> list[dict]:
    """Every model with encrypted columns, as ``reencrypt_table`` arguments."""
    tables = []
    for model in models_to_scan:
        columns = [field.column for field in encrypted_fields(model)]
        if columns and not model._meta.proxy and model._meta.managed:
            indexes = {field.column: (model._meta.get_field(field.source).column, field.kind)
                       for field in blind_index_fields(model)}
            tables.append({"table": model._meta.db_table, "columns": columns, "indexes": indexes})
    return tables
