from django.core.management.base import BaseCommand

from fulfillment import tasks


class Command(BaseCommand):
    help = "Run the periodic fulfillment jobs once (what Celery beat runs): poll carriers, flag late or silent shipments, resend overdue notices. Handy in dev, where no beat runs."

    def handle(self, *args, **options):
        polled = tasks.poll_carriers()
        flags = tasks.detect_shipment_exceptions()
        requeued = tasks.requeue_notifications()
        self.stdout.write(f"轮询承运商：{polled or '无'}；新的物流异常：{flags}；重新发送的通知：{requeued}")
