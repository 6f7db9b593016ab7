import uuid
from datetime import datetime

import pytest
from django.utils import timezone

from fulfillment.notifications.sms import LocmemSmsBackend
from ordermgmt import roles
from servicedesk.models import ComplaintCategory
from servicedesk.services import ComplaintInput
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _isolated_rate_limits_and_sms(settings):
    settings.RATELIMIT_CACHE_PREFIX = f"rl-{uuid.uuid4().hex}:"
    settings.SMS_BACKEND = "fulfillment.notifications.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox = []


@pytest.fixture
def staff(db):
    people = [
        ("sales", "王芳", roles.SALES), ("service", "陈静", roles.SERVICE), ("service2", "何雨", roles.SERVICE),
        ("reviewer", "赵磊", roles.REVIEWER), ("manager", "李强", roles.MANAGER), ("manager2", "孙伟", roles.MANAGER),
        ("warehouse", "周杰", roles.WAREHOUSE), ("production", "吴刚", roles.PRODUCTION),
        ("logistics", "孙丽", roles.LOGISTICS), ("aftersales", "郑敏", roles.AFTER_SALES), ("analyst", "冯雪", roles.ANALYST),
    ]
    return {key: UserFactory(username=f"sd-{key}", first_name=name, roles=[role]) for key, name, role in people}


def category(name: str, child: str | None = None):
    top = ComplaintCategory.objects.get(parent=None, name=name)
    return (top, ComplaintCategory.objects.get(parent=top, name=child)) if child else top


def complaint_input(**overrides) -> ComplaintInput:
    values = {"channel": "phone", "category": category("物流延误"), "description": "货物晚到三天，影响开业"}
    values.update(overrides)
    return ComplaintInput(**values)


def at(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=timezone.get_current_timezone())
