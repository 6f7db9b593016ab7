from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection

from ordermgmt.encryption import encrypted_tables, generate_key, keyring, reencrypt_table


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted column with the newest key (the first of FIELD_ENCRYPTION_KEYS) "
        "and bring the blind indexes up to date, in batches. Safe to run again or after an interruption: "
        "values already under the newest key are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000, help="rows per transaction (default 1000)")
        parser.add_argument("--generate-key", action="store_true", help="print a new random key and stop")

    def handle(self, *args, **options):
        if options["generate_key"]:
            self.stdout.write(generate_key())
            return
        self.stdout.write(f"newest key: {keyring().current_id}")
        for table in encrypted_tables(apps.get_models()):
            changed = reencrypt_table(connection, batch_size=options["batch_size"], **table)
            self.stdout.write(f"  {table['table']}: {changed} rows re-encrypted")
        self.stdout.write(self.style.SUCCESS("全部加密字段已使用最新密钥"))
