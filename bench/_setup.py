"""Shared set-up for the benchmarks: Django on the configured database server, inside a
scratch database (``bench_<name>``) created for the run and dropped afterwards, so that a
benchmark never writes into real data."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordermgmt.settings")


def start(keepdb: bool = False, suffix: str = ""):
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    settings.CELERY_TASK_ALWAYS_EAGER = True
    # Measure the application, not Django's debug query log, nor a console full of notices
    # (they are still written to the outbox and "sent", to memory).
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = "fulfillment.notifications.sms.LocmemSmsBackend"
    import logging

    logging.getLogger("celery").setLevel(logging.WARNING)
    from ordermgmt.celery import app

    app.conf.task_always_eager = True
    setup_test_environment()
    if connection.vendor == "sqlite":
        # A file, not the default in-memory test database, so that it behaves like the real one.
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(ROOT / f"bench-scratch{suffix}.sqlite3")
    else:
        # Not test_<name> (a test run on the same server would drop it), and one per script.
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{suffix}_{connection.settings_dict['NAME']}"
    old_name = connection.settings_dict["NAME"]
    # serialize=False: a kept database of a million orders would otherwise be read whole into
    # memory (the copy TransactionTestCase restores from), which no benchmark needs.
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=keepdb, serialize=False)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']} (scratch copy of {old_name})")
    return old_name


def finish(old_name, keepdb: bool = False):
    from django.db import connection

    if not keepdb:
        connection.creation.destroy_test_db(old_name, verbosity=0)
