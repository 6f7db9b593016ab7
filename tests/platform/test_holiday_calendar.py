"""The 放假安排 a 主管 keeps in the portal for years the chinese-calendar package does not know.

The 2027 dates below are made up for the tests (the State Council had not published
2027's arrangement when they were written); nothing in the code knows them.
"""

import io
from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from aftersales import services as after_sales
from aftersales.models import Service
from ordermgmt import roles
from ordermgmt.errors import ActionForbidden, InvalidInput
from ordermgmt.holidays import (
    ArrangementRefused,
    HolidayEntry,
    arrangement_apply,
    arrangement_plan,
    calendar_year_confirm,
)
from ordermgmt.models import CalendarChange, CalendarDay, CalendarYear
from ordermgmt.workdays import add_working_days, is_known_year
from tests.factories import delivered_order, user_with_role

pytestmark = pytest.mark.django_db
TZ = timezone.get_fixed_timezone(8 * 60)

NEW_YEAR_2027 = HolidayEntry.from_range("元旦", date(2027, 1, 1), date(2027, 1, 3))
SPRING_FESTIVAL_2027 = HolidayEntry.from_range(
    "春节", date(2027, 2, 6), date(2027, 2, 14), workdays=[date(2027, 2, 20)]
)


@pytest.fixture
def manager():
    return user_with_role(roles.MANAGER)


def enter_2027(manager, entries=(NEW_YEAR_2027, SPRING_FESTIVAL_2027)):
    arrangement_apply(user=manager, plan=arrangement_plan(year=2027, entries=list(entries)))
    calendar_year_confirm(user=manager, year=2027, notice="测试用安排")


def open_case(order, service, when):
    with time_machine.travel(when, tick=False):
        return after_sales.case_open(
            order=order, user=None, service=service, case_type="quality", description="坏了",
            lines=[after_sales.CaseLineInput(order.lines.get(), 1)],
        )


def due_day(case) -> date:
    return timezone.localtime(case.due_at).date()


# --- working days ------------------------------------------------------------------------

def test_three_working_days_from_new_years_eve_skip_new_years_day_once_2027_is_entered(manager):
    assert not is_known_year(2027)
    assert add_working_days(date(2026, 12, 31), 3) == date(2027, 1, 5), "Monday to Friday until then"
    enter_2027(manager)
    assert is_known_year(2027)
    # 1–3 January off: Monday 4, Tuesday 5, Wednesday 6.
    assert add_working_days(date(2026, 12, 31), 3) == date(2027, 1, 6)


def test_a_due_date_inside_the_spring_festival_moves_past_it_once_2027_is_entered(manager):
    assert add_working_days(date(2027, 2, 4), 3) == date(2027, 2, 9), "a day of the festival"
    enter_2027(manager)
    # Friday 5, (6–14 off), Monday 15, Tuesday 16; the Saturday 调休 counts as a working day.
    assert add_working_days(date(2027, 2, 4), 3) == date(2027, 2, 16)
    assert add_working_days(date(2027, 2, 19), 1) == date(2027, 2, 20)


def test_an_arrangement_entered_but_not_confirmed_counts_but_the_year_stays_unknown(manager):
    arrangement_apply(user=manager, plan=arrangement_plan(year=2027, entries=[NEW_YEAR_2027]))
    assert add_working_days(date(2026, 12, 31), 3) == date(2027, 1, 6)
    assert not is_known_year(2027)


# --- the dashboard ----------------------------------------------------------------------

def test_the_dashboard_counts_due_dates_guessed_in_a_year_nobody_entered_until_it_is_entered(client, manager):
    order = delivered_order()
    exchange = open_case(order, Service.EXCHANGE, datetime(2026, 12, 31, 10, tzinfo=TZ))
    assert due_day(exchange) == date(2027, 1, 5)
    client.force_login(manager)

    page = client.get(reverse("portal:home")).content.decode()
    assert "2027 年放假安排未录入：1 个到期日按周一至周五推算" in page
    assert reverse("portal:calendar_year", args=[2027]) in page

    enter_2027(manager)
    exchange.refresh_from_db()
    assert due_day(exchange) == date(2027, 1, 6), "the open case follows the calendar entered"
    assert "2027 年放假安排未录入" not in client.get(reverse("portal:home")).content.decode()


def test_open_cases_keep_their_number_of_working_days_when_the_calendar_changes(manager):
    from ordermgmt import policies

    order = delivered_order(quantity=4)
    exchange = open_case(order, Service.EXCHANGE, datetime(2027, 2, 4, 10, tzinfo=TZ))
    ret = open_case(order, Service.RETURN_REFUND, datetime(2027, 2, 1, 10, tzinfo=TZ))
    assert (due_day(exchange), due_day(ret)) == (date(2027, 2, 9), date(2027, 2, 10))
    # A policy change since then applies to new cases only.
    policies.policy_update(user=manager, definition=policies.EXCHANGE_SLA_WORKING_DAYS, value="5", reason="测试")

    enter_2027(manager)

    exchange.refresh_from_db()
    ret.refresh_from_db()
    assert (due_day(exchange), due_day(ret)) == (date(2027, 2, 16), date(2027, 2, 17))
    note = exchange.events.get(action="due_changed").note
    assert "2027-02-09" in note and "2027-02-16" in note


def test_a_case_flagged_late_by_a_guessed_due_date_is_no_longer_late_once_the_holidays_are_entered(manager):
    exchange = open_case(delivered_order(), Service.EXCHANGE, datetime(2026, 12, 31, 10, tzinfo=TZ))
    with time_machine.travel(datetime(2027, 1, 6, 9, tzinfo=TZ), tick=False):
        assert after_sales.cases_flag_overdue() == 1
        enter_2027(manager)
    exchange.refresh_from_db()
    assert due_day(exchange) == date(2027, 1, 6) and exchange.overdue_since is None


# --- entering and checking an arrangement -------------------------------------------------

def test_only_a_manager_maintains_the_calendar(client):
    analyst = user_with_role(roles.ANALYST)
    with pytest.raises(ActionForbidden):
        arrangement_apply(user=analyst, plan=arrangement_plan(year=2027, entries=[NEW_YEAR_2027]))
    with pytest.raises(ActionForbidden):
        calendar_year_confirm(user=analyst, year=2027)
    client.force_login(analyst)
    assert client.get(reverse("portal:calendar_year", args=[2027])).status_code == 403
    assert client.post(reverse("portal:calendar_holiday", args=[2027]), {}).status_code == 403
    assert not CalendarDay.objects.exists()


def test_an_arrangement_that_contradicts_itself_or_the_calendar_is_refused_with_reasons(manager):
    arrangement_apply(user=manager, plan=arrangement_plan(year=2027, entries=[NEW_YEAR_2027]))
    with pytest.raises(ArrangementRefused) as refused:
        arrangement_plan(year=2027, replaces=["春节"], entries=[
            HolidayEntry.from_range("春节", date(2027, 2, 6), date(2027, 2, 14), workdays=[date(2027, 2, 17)]),
        ])
    assert "2027-02-17 是星期三" in str(refused.value)
    with pytest.raises(ArrangementRefused) as refused:
        arrangement_plan(year=2027, replaces=["跨年"], entries=[
            HolidayEntry.from_range("跨年", date(2026, 12, 31), date(2027, 1, 1)),
        ])
    assert "2027-01-01 已在“元旦”中" in str(refused.value)
    with pytest.raises(ArrangementRefused) as refused:
        arrangement_plan(year=2027, entries=[HolidayEntry.from_range("国庆节", date(2028, 10, 1), date(2028, 10, 7))])
    assert "不在 2027 年" in str(refused.value)


def test_a_preview_that_went_stale_is_not_applied(manager):
    plan = arrangement_plan(year=2027, entries=[NEW_YEAR_2027])
    arrangement_apply(user=manager, plan=arrangement_plan(year=2027, entries=[
        HolidayEntry.from_range("元旦", date(2027, 1, 1), date(2027, 1, 1)),
    ]))
    with pytest.raises(InvalidInput, match="请重新预览"):
        arrangement_apply(user=manager, plan=plan)


def test_a_year_with_no_holiday_cannot_be_confirmed(manager):
    with pytest.raises(InvalidInput, match="还没有录入任何假期"):
        calendar_year_confirm(user=manager, year=2027)
    assert not is_known_year(2027)


def test_every_change_is_logged_with_who_when_and_each_day(manager):
    enter_2027(manager)
    arrangement_apply(user=manager, plan=arrangement_plan(year=2027, replaces=["元旦"], entries=[]))
    actions = list(CalendarChange.objects.order_by("id").values_list("action", "changed_by"))
    assert actions == [("upload", manager.pk), ("confirm", manager.pk), ("remove", manager.pk)]
    removal = CalendarChange.objects.get(action="remove")
    assert {d["day"] for d in removal.details} == {"2027-01-01", "2027-01-02", "2027-01-03"}
    assert all(d["after"] == "" for d in removal.details)
    assert not CalendarDay.objects.filter(name="元旦").exists()


# --- the portal ---------------------------------------------------------------------------

def test_a_manager_adds_a_holiday_in_the_form_sees_the_preview_and_confirms(client, manager):
    client.force_login(manager)
    preview = client.post(reverse("portal:calendar_holiday", args=[2027]), {
        "name": "春节", "first_day": "2027-02-06", "last_day": "2027-02-14", "workdays": "2027-02-20",
    })
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "2027-02-06" in text and "2027-02-20" in text and "调休上班" in text
    assert not CalendarDay.objects.exists(), "nothing is written before the confirmation"

    done = client.post(reverse("portal:calendar_apply", args=[2027]), {"plan": preview.context["token"]}, follow=True)
    assert "已保存" in done.content.decode()
    assert CalendarDay.objects.filter(kind=CalendarDay.Kind.HOLIDAY, name="春节").count() == 9
    assert CalendarDay.objects.get(kind=CalendarDay.Kind.WORKDAY).day == date(2027, 2, 20)
    page = client.get(reverse("portal:calendar_year", args=[2027])).content.decode()
    assert 'data-day="2027-02-08" class="day holiday"' in page
    assert 'data-day="2027-02-20" class="day workday"' in page

    client.post(reverse("portal:calendar_confirm", args=[2027]), {"notice": "国办发明电〔2026〕X号"})
    assert CalendarYear.objects.get(year=2027).confirmed_by == manager


def test_a_form_with_a_bad_date_is_shown_again_with_the_reason(client, manager):
    client.force_login(manager)
    response = client.post(reverse("portal:calendar_holiday", args=[2027]), {
        "name": "春节", "first_day": "2027-02-14", "last_day": "2027-02-06", "workdays": "二月二十",
    })
    text = response.content.decode()
    assert response.status_code == 200
    assert "放假结束不能早于放假开始" in text and "“二月二十”日期格式不正确" in text
    assert not CalendarDay.objects.exists()


def workbook_bytes(rows, header=("名称", "放假开始", "放假结束", "调休上班日")) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, year, content, name="2027放假安排.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("portal:calendar_upload", args=[year]),
                       {"file": SimpleUploadedFile(name, content)})


def test_an_upload_with_bad_rows_is_refused_with_row_and_column_messages(client, manager):
    client.force_login(manager)
    content = workbook_bytes([
        ("元旦", date(2027, 1, 1), date(2027, 1, 3), None),
        ("春节", "2027-02-06", "2027-02-30", "2027-02-20"),
        ("清明节", date(2027, 4, 5), date(2027, 4, 3), None),
        ("劳动节", date(2027, 5, 1), date(2027, 5, 5), "2027-04-28"),
        ("", date(2027, 6, 9), date(2027, 6, 11), None),
        ("元旦", date(2027, 10, 1), date(2027, 10, 7), None),
    ])
    response = upload(client, 2027, content)
    text = response.content.decode()
    assert response.status_code == 200
    assert "第3行，放假结束（C列）" in text and "日期不存在" in text
    assert "第4行，放假结束（C列）" in text and "不能早于放假开始" in text
    assert "第5行，调休上班日（D列）" in text and "2027-04-28 是星期三" in text
    assert "第6行，名称（A列）" in text
    assert "第7行，名称（A列）" in text and "第2行" in text  # the duplicate name says where the first one is
    assert not CalendarDay.objects.exists() and not CalendarChange.objects.exists()


def test_a_file_that_is_not_a_workbook_is_refused_with_one_message(client, manager):
    client.force_login(manager)
    text = upload(client, 2027, b"name,start\n", name="holidays.xlsx").content.decode()
    assert "不是 Excel 工作簿" in text
    text = upload(client, 2027, workbook_bytes([("元旦", date(2027, 1, 1), date(2027, 1, 3))],
                                               header=("假期", "开始", "结束"))).content.decode()
    assert "缺少列“名称”" in text


def test_an_uploaded_year_replaces_the_one_entered_after_a_preview(client, manager):
    arrangement_apply(user=manager, plan=arrangement_plan(year=2027, entries=[
        HolidayEntry.from_range("元旦", date(2027, 1, 1), date(2027, 1, 1)),
        HolidayEntry.from_range("旧的假期", date(2027, 3, 1), date(2027, 3, 1)),
    ]))
    client.force_login(manager)
    content = workbook_bytes([
        ("元旦", date(2027, 1, 1), date(2027, 1, 3), None),
        ("春节", date(2027, 2, 6), date(2027, 2, 14), "2027-02-20"),
    ])
    preview = upload(client, 2027, content)
    assert preview.status_code == 200
    changes = {(c.day, c.before_label, c.after_label) for c in preview.context["plan"].changes}
    assert (date(2027, 3, 1), "放假 · 旧的假期", "") in changes
    assert (date(2027, 1, 2), "", "放假 · 元旦") in changes
    assert CalendarDay.objects.count() == 2, "unchanged before the confirmation"

    client.post(reverse("portal:calendar_apply", args=[2027]), {"plan": preview.context["token"]})
    assert set(CalendarDay.objects.values_list("name", flat=True)) == {"元旦", "春节"}
    assert CalendarDay.objects.count() == 3 + 9 + 1
    assert CalendarChange.objects.last().changed_by == manager


def test_the_template_holds_the_year_entered_so_far_and_reads_back_unchanged(client, manager):
    enter_2027(manager)
    client.force_login(manager)
    response = client.get(reverse("portal:calendar_template", args=[2027]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:4] == ["名称", "放假开始", "放假结束", "调休上班日"]
    assert rows[1][0] == "元旦" and rows[2][0] == "春节" and rows[2][3] == "2027-02-20"
    preview = upload(client, 2027, response.content)
    assert preview.context["plan"].changes == []


def test_a_sheet_reaching_far_beyond_the_template_is_refused_before_it_is_read(client, manager):
    """The upload guard of the order import (issue 13, item 2) protects this upload too: a
    2 KB file with one cell at XFD1048576 would make the reader allocate ~549 GB."""
    from tests.orders.importing.conftest import inline_cell, package, sheet_xml

    header = "".join(inline_cell(f"{letter}1", name) for letter, name in zip("ABCD", ("名称", "放假开始", "放假结束", "调休上班日")))
    body = f'<row r="1">{header}</row><row r="1048576">{inline_cell("XFD1048576", "x")}</row>'
    content = package({"放假安排": sheet_xml(body, dimension="A1:XFD1048576")})
    client.force_login(manager)
    text = upload(client, 2027, content).content.decode()
    assert "超出了可以导入的范围" in text
    assert not CalendarDay.objects.exists() and not CalendarChange.objects.exists()


def test_the_change_log_is_kept_in_the_platform_language_whatever_the_managers_ui_language(manager):
    from django.utils import translation

    with translation.override("en"):
        arrangement_apply(user=manager, plan=arrangement_plan(year=2027, entries=[NEW_YEAR_2027]))
        calendar_year_confirm(user=manager, year=2027, notice="国办发明电〔2026〕7号")
    summaries = list(CalendarChange.objects.order_by("id").values_list("summary", flat=True))
    assert len(summaries) == 2
    assert "元旦" in summaries[0]
    assert summaries[1].startswith("确认 2027 年放假安排已完整录入") and "依据" in summaries[1]
