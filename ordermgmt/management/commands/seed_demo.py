from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ordermgmt.demo import DEMO_PASSWORD, DemoBuilder


class Command(BaseCommand):
    help = "Load demo data (users per role, customers, products, stock, 200 orders). Safe to run twice."

    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            # Demo users share one published password: never on a production database.
            raise CommandError("演示数据只能在开发环境（DEBUG 开启）中加载；正式环境请在管理后台创建用户并设置各自的密码")
        DemoBuilder(stdout=self.stdout).build()
        self.stdout.write(self.style.SUCCESS(f"演示数据就绪。登录用户名见 README，密码均为 {DEMO_PASSWORD}"))
