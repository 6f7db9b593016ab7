"""python manage.py import_orders FILE --user USERNAME [--dry-run]"""

import pytest
from django.core.management import CommandError, call_command

from ordermgmt import roles
from orders.models import ImportJob, Order
from tests.factories import user_with_role

from .conftest import good_row, xlsx

pytestmark = pytest.mark.django_db


def run(path, *args):
    from io import StringIO

    out = StringIO()
    call_command("import_orders", str(path), *args, stdout=out)
    return out.getvalue()


def test_a_wrong_row_prints_row_and_column_exits_1_and_writes_nothing(shop, tmp_path):
    path = tmp_path / "drop.xlsx"
    path.write_bytes(xlsx([good_row(), good_row(external_ref="PO-2", quantity="x")]))
    with pytest.raises(CommandError) as caught:
        run(path, "--user", shop["sales"].username)
    assert caught.value.returncode == 1
    assert "nothing was imported" in str(caught.value)
    assert Order.objects.count() == 0
    assert ImportJob.objects.get().status == ImportJob.Status.INVALID  # kept in the history with its report


def test_problems_are_printed_as_row_n_column_x(shop, tmp_path, capsys):
    path = tmp_path / "drop.xlsx"
    path.write_bytes(xlsx([good_row(quantity="x")]))
    from io import StringIO

    out = StringIO()
    with pytest.raises(CommandError):
        call_command("import_orders", str(path), "--user", shop["sales"].username, stdout=out)
    assert "row 2, column I (数量): “x” 数量不是数字" in out.getvalue()


def test_a_correct_file_is_imported_and_the_counts_printed(shop, tmp_path):
    path = tmp_path / "drop.xlsx"
    path.write_bytes(xlsx([good_row(), good_row(sku="P0002"), good_row(external_ref="PO-2")]))
    output = run(path, "--user", shop["sales"].username)
    assert "imported: 2 orders, 3 lines, 0 new customers" in output
    assert Order.objects.filter(channel="import").count() == 2
    assert ImportJob.objects.get().source == ImportJob.Source.COMMAND


def test_dry_run_checks_and_writes_nothing(shop, tmp_path):
    path = tmp_path / "drop.xlsx"
    path.write_bytes(xlsx([good_row()]))
    assert "dry run OK: 1 orders, 1 lines" in run(path, "--user", shop["sales"].username, "--dry-run")
    assert Order.objects.count() == 0 and ImportJob.objects.count() == 0


def test_warnings_stop_the_import_unless_accepted(shop, tmp_path):
    path = tmp_path / "drop.xlsx"
    path.write_bytes(xlsx([good_row(customer="新客户有限公司")]))
    with pytest.raises(CommandError) as caught:
        run(path, "--user", shop["sales"].username)
    assert "--accept-warnings" in str(caught.value) and Order.objects.count() == 0
    assert "imported: 1 orders" in run(path, "--user", shop["sales"].username, "--accept-warnings")


def test_a_bad_file_or_user_is_refused(shop, tmp_path):
    path = tmp_path / "drop.xlsx"
    path.write_bytes(b"not a workbook")
    with pytest.raises(CommandError, match="1 error"):
        run(path, "--user", shop["sales"].username, "--dry-run")
    with pytest.raises(CommandError, match="may not import"):
        run(path, "--user", user_with_role(roles.REVIEWER).username)
    with pytest.raises(CommandError, match="unknown"):
        run(path, "--user", "nobody")
