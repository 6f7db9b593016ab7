from django.core.management.base import BaseCommand

from ordermgmt.demo import DEMO_PASSWORD, DemoBuilder


class Command(BaseCommand):
    help = "Load demo data (users per role, customers, products, stock, 200 orders). Safe to run twice."

    def handle(self, *args, **options):
        DemoBuilder(stdout=self.stdout).build()
        self.stdout.write(self.style.SUCCESS(f"演示数据就绪。登录用户名见 README，密码均为 {DEMO_PASSWORD}"))
