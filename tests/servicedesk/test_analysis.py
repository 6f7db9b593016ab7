"""Complaint analysis against a history built by hand: counts by channel, category, carrier
and owner; first response and resolution in working hours (average, P90, within due);
overdue, reopened, repeat complainers, the 12-month trend and the 改进措施 per category."""

import pytest
import time_machine

from servicedesk import services, tasks
from servicedesk.analysis import complaint_analysis, percentile
from tests.factories import CarrierFactory, CustomerFactory, make_order
from tests.fulfillment.conftest import allocated_order, ship_all
from tests.servicedesk.conftest import at, category, complaint_input

pytestmark = pytest.mark.django_db


def step(moment, call, **kwargs):
    with time_machine.travel(moment, tick=False):
        return call(**kwargs)


@pytest.fixture
def history(staff):
    clerk = staff["service"]
    a, b = CustomerFactory(name="甲公司"), CustomerFactory(name="乙公司")
    shipped = allocated_order(staff, customer=a)
    ship_all(shipped, staff, CarrierFactory(code="sf", name="顺丰速运"))
    order_b = make_order(user=staff["sales"], customer=b)
    open_ = services.complaint_open

    # Last month: counts in the trend only.
    step(at(2026, 11, 20, 10), open_, user=clerk, data=complaint_input(customer=a, channel="phone"))
    # C1 (phone, 物流延误, shipped by 顺丰): response 1 h, resolution 10 h.
    c1 = step(at(2026, 12, 2, 10), open_, user=clerk, data=complaint_input(order=shipped, channel="phone"))
    step(at(2026, 12, 2, 11), services.complaint_start, complaint=c1, user=clerk)
    step(at(2026, 12, 3, 11), services.complaint_propose, complaint=c1, user=clerk, resolution="已催促承运商")
    # C2 (email, 商品质量): opened Friday 17:00, response 2 h, resolution 27 h — exactly at its due time.
    c2 = step(at(2026, 12, 4, 17), open_, user=clerk, data=complaint_input(
        customer=a, channel="email", category=category("商品质量")))
    step(at(2026, 12, 7, 10), services.complaint_start, complaint=c2, user=clerk)
    step(at(2026, 12, 9, 17), services.complaint_propose, complaint=c2, user=clerk, resolution="已换货")
    # C3 (tracking page, 错发漏发): never answered, overdue and escalated.
    step(at(2026, 12, 7, 9), open_, user=None, by_customer=True, data=complaint_input(
        order=order_b, category=category("错发漏发")))
    step(at(2026, 12, 7, 14), tasks.escalate_overdue_complaints)
    # C4 (store, 物流延误): response 0.5 h, reopened by the customer, resolved again: 19 h.
    c4 = step(at(2026, 12, 8, 9), open_, user=clerk, data=complaint_input(customer=b, channel="store"))
    step(at(2026, 12, 8, 9, 30), services.complaint_start, complaint=c4, user=clerk)
    step(at(2026, 12, 8, 12), services.complaint_propose, complaint=c4, user=clerk, resolution="已道歉")
    step(at(2026, 12, 9, 10), services.complaint_reopen, complaint=c4, reason="仍未送到")
    step(at(2026, 12, 10, 10), services.complaint_propose, complaint=c4, user=clerk, resolution="已送到")
    step(at(2026, 12, 10, 15), services.complaint_confirm, complaint=c4, satisfaction="neutral")
    # Next month: outside the period.
    step(at(2027, 1, 4, 10), open_, user=clerk, data=complaint_input(customer=b))
    services.category_improvement_update(user=staff["manager"], category=category("物流延误"),
                                         improvement="加急订单改走次日达；出库当天推送物流单号")
    return {"a": a, "b": b}


def rows(data, key):
    breakdown = next(b for b in data["breakdowns"] if b["key"] == key)
    return {row["label"]: row["count"] for row in breakdown["rows"]}


def test_the_analysis_of_december_matches_the_history(history):
    data = complaint_analysis(at(2026, 12, 1).date(), at(2026, 12, 31).date())
    assert (data["total"], data["overdue"], data["reopened"], data["escalated"]) == (4, 1, 1, 1)
    assert rows(data, "channel") == {"电话": 1, "邮件": 1, "跟踪页": 1, "门店": 1}
    assert rows(data, "carrier") == {"顺丰速运": 1}
    assert [(c["label"], c["count"]) for c in data["by_category"]] == [("物流延误", 2), ("商品质量", 1), ("错发漏发", 1)]
    assert data["by_category"][0]["improvement"].startswith("加急订单改走次日达")
    assert data["by_category"][0]["share"] == 0.5
    assert data["first_response"] == {"n": 3, "avg_hours": 1.2, "p90_hours": 1.8, "within_due": 3, "within_due_rate": 1.0}
    assert data["resolution"] == {"n": 3, "avg_hours": 18.7, "p90_hours": 25.4, "within_due": 3, "within_due_rate": 1.0}
    assert sorted((r["label"], r["count"]) for r in data["repeat_complainers"]) == [("乙公司", 2), ("甲公司", 2)]
    assert {row["label"]: row["count"] for row in data["satisfaction"]} == {"一般": 1}
    trend = {row["month"]: row["count"] for row in data["trend"]}
    assert len(data["trend"]) == 12 and trend["2026-11"] == 1 and trend["2026-12"] == 4 and trend["2026-01"] == 0


def test_the_analysis_page_shows_the_figures_and_the_improvements(client, staff, history):
    client.force_login(staff["analyst"])
    page = client.get("/servicedesk/complaints/analysis/?start=2026-12-01&end=2026-12-31").content.decode()
    assert 'data-testid="complaint-total">4<' in page and "加急订单改走次日达" in page and "顺丰速运" in page


def test_percentiles_interpolate_like_the_database():
    assert percentile([10, 27, 19], 0.9) == pytest.approx(25.4)
    assert percentile([5], 0.9) == 5 and percentile([], 0.9) is None
