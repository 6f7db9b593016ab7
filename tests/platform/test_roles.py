import pytest
from django.contrib.auth.models import Group, Permission

from ordermgmt import roles

pytestmark = pytest.mark.django_db


def test_every_role_exists_after_migrate_with_the_permissions_of_its_job():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ALL_ROLES)
    for role, codenames in roles.ROLE_PERMISSIONS.items():
        granted = {f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name=role).permissions.all()}
        if codenames == ["*"]:
            continue
        assert granted == set(codenames), role


def test_role_definitions_name_only_real_permissions():
    roles.sync_roles(strict=True)


def test_manager_may_do_everything():
    manager = Group.objects.get(name=roles.MANAGER)
    every = Permission.objects.filter(content_type__app_label__in=roles.MANAGED_APPS)
    assert set(manager.permissions.all()) == set(every)


@pytest.mark.parametrize(
    "role, allowed, refused",
    [
        (roles.SALES, {"orders.add_order", "orders.change_order"}, {"orders.review_order", "orders.ship_order"}),
        (roles.REVIEWER, {"orders.review_order"}, {"orders.add_order", "orders.allocate_order"}),
        (roles.WAREHOUSE, {"orders.allocate_order", "orders.ship_order"}, {"orders.review_order"}),
        (roles.PRODUCTION, {"orders.produce_order"}, {"orders.ship_order"}),
        (roles.LOGISTICS, {"orders.track_order"}, {"orders.cancel_order"}),
        (roles.AFTER_SALES, {"orders.handle_after_sales"}, {"orders.review_order"}),
        (roles.ANALYST, {"orders.view_order"}, {"orders.change_order", "orders.review_order"}),
    ],
)
def test_each_role_can_do_its_job_and_nothing_else(role, allowed, refused):
    from tests.factories import user_with_role

    user = user_with_role(role)
    assert all(user.has_perm(p) for p in allowed)
    assert not any(user.has_perm(p) for p in refused)
