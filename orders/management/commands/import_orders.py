"""Import orders from an .xlsx file (scheduled drops from a distributor's system).

Same validation and import as the portal. Every problem is printed as
``row N, column X: …``; when any row is wrong nothing is written and the exit status
is 1. ``--dry-run`` only checks (and records nothing).
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ordermgmt.errors import BusinessError
from orders.importing import services
from orders.importing.problems import ERROR, WARNING, Problem
from orders.importing.reader import BadFile, read_orders_file
from orders.importing.validation import validate_rows
from orders.models import ImportJob


class Command(BaseCommand):
    help = "批量导入订单：python manage.py import_orders FILE --user USERNAME [--dry-run] [--accept-warnings]"

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the .xlsx file")
        parser.add_argument("--user", required=True, help="username the orders are entered as (needs the import permission)")
        parser.add_argument("--dry-run", action="store_true", help="validate only; write nothing")
        parser.add_argument(
            "--accept-warnings", action="store_true",
            help="import even when there are warnings that need confirmation (new customers, same-day identical orders)",
        )

    def handle(self, *args, file, user, dry_run, accept_warnings, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"file not found: {path}")
        try:
            account = get_user_model().objects.get(username=user, is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError(f"unknown or inactive user: {user}") from None
        if not account.has_perm("orders.import_orders"):
            raise CommandError(f"user {user} may not import orders (permission orders.import_orders)")
        content = path.read_bytes()
        if dry_run:
            self._dry_run(content)
            return
        try:
            job = services.import_job_create(
                user=account, name=path.name, content=content, source=ImportJob.Source.COMMAND
            )
        except BusinessError as error:
            self._print([Problem(ERROR, str(error))])
            self._fail([Problem(ERROR, str(error))])
        job = services.import_job_validate(job=job)
        problems = [Problem(**p) for p in job.problems]
        self._print(problems)
        if job.status != ImportJob.Status.READY:
            self._fail(problems, job=job)
        warnings = [p for p in problems if p.level == WARNING]
        if warnings and not accept_warnings:
            self._fail(problems, job=job, extra=f"{len(warnings)} warning(s) need confirmation: rerun with --accept-warnings to import anyway")
        try:
            job = services.import_job_confirm(job=job, user=account, accept_warnings=accept_warnings)
        except BusinessError as error:
            self._fail(problems, job=job, extra=str(error))
        job = services.import_job_run(job=job)
        if job.status != ImportJob.Status.IMPORTED:
            rerun = [Problem(**p) for p in job.problems]
            self._print([p for p in rerun if p not in problems])
            self._fail(rerun, job=job, extra=job.message)
        self.stdout.write(self.style.SUCCESS(
            f"imported: {job.created_order_count} orders, {job.line_count} lines, "
            f"{job.new_customer_count} new customers (import #{job.pk}, rows {job.row_count})"
        ))

    def _dry_run(self, content: bytes) -> None:
        try:
            services.check_upload_size(len(content))
            parsed = read_orders_file(content)
        except (BadFile, BusinessError) as error:
            self._print([Problem(ERROR, str(error))])
            self._fail([Problem(ERROR, str(error))])
        plan = validate_rows(parsed)
        self._print(plan.problems)
        if plan.errors:
            self._fail(plan.problems)
        self.stdout.write(self.style.SUCCESS(
            f"dry run OK: {len(plan.orders)} orders, {plan.line_count} lines, {len(plan.new_customers)} new customers "
            f"would be imported (rows {plan.row_count}); nothing was written"
        ))

    def _print(self, problems: list[Problem]) -> None:
        for problem in problems:
            style = self.style.ERROR if problem.level == ERROR else self.style.WARNING
            prefix = {ERROR: "", WARNING: "warning: ", "info": "note: "}.get(problem.level, "")
            self.stdout.write(style(prefix + problem.as_line()))

    def _fail(self, problems: list[Problem], *, job: ImportJob | None = None, extra: str = "") -> None:
        errors = sum(1 for p in problems if p.level == ERROR)
        message = f"{errors} error(s); nothing was imported"
        if extra:
            message = f"{extra}; nothing was imported" if not errors else f"{message}. {extra}"
        if job is not None:
            message += f" (import #{job.pk}, error report in the portal)"
        raise CommandError(message, returncode=1)
