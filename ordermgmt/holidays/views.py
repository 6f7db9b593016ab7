"""工作日历 (主管 only): a year at a glance; a holiday entered in a form or the whole year
uploaded as Excel is first shown as a preview of what changes, and saved on confirmation."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..flash import perform
from ..workbooks import BadFile
from ..workdays import unknown_years
from . import selectors
from .forms import ConfirmYearForm, HolidayForm, UploadForm
from .plans import ArrangementPlan, ArrangementRefused, arrangement_plan
from .services import PERMISSION, arrangement_apply, calendar_year_confirm
from .workbook import LIMITS, arrangement_plan_from_file, arrangement_template

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YEARS = range(2000, 2101)
TOKEN_SALT = "ordermgmt.holidays.plan"
TOKEN_MAX_AGE = 2 * 60 * 60  # a preview left open longer is worked out again


def manager_only(view):
    return login_required(permission_required(PERMISSION, raise_exception=True)(view))


def _year(year: int) -> int:
    if year not in YEARS:
        raise Http404(_("年份超出范围"))
    return year


@manager_only
def calendar_home(request):
    """The first year that needs the 主管: this year or next if unknown, else next year."""
    today = timezone.localdate()
    unknown = unknown_years([today.year, today.year + 1])
    return redirect("portal:calendar_year", year=unknown[0] if unknown else today.year + 1)


@manager_only
def calendar_year(request, year: int):
    return _year_page(request, _year(year))


def _year_page(request, year: int, *, holiday_form=None, upload_form=None, upload_problems=()):
    status = selectors.year_status(year)
    changes = Paginator(selectors.year_changes(year), 20).get_page(request.GET.get("page"))
    return render(request, "portal/calendar_year.html", {
        "year": year, "status": status, "months": selectors.year_grid(year, known=status.is_known),
        "entries": selectors.year_arrangement(year), "page": changes,
        "holiday_form": holiday_form or HolidayForm(), "upload_form": upload_form or UploadForm(),
        "upload_problems": upload_problems, "confirm_form": ConfirmYearForm(),
        "years": [y for y in (year - 1, year + 1) if y in YEARS],
    })


def _preview(request, plan: ArrangementPlan):
    token = signing.dumps(plan.as_data(), salt=TOKEN_SALT, compress=True)
    return render(request, "portal/calendar_preview.html", {"plan": plan, "year": plan.year, "token": token})


@manager_only
@require_POST
def calendar_holiday(request, year: int):
    """Enter or change one holiday (a holiday of the same name is replaced)."""
    form = HolidayForm(request.POST)
    if form.is_valid():
        entry = form.entry()
        try:
            return _preview(request, arrangement_plan(year=_year(year), entries=[entry], replaces=[entry.name]))
        except ArrangementRefused as refused:
            for problem in refused.problems:
                form.add_error(None, str(problem))
    return _year_page(request, _year(year), holiday_form=form)


@manager_only
@require_POST
def calendar_remove(request, year: int):
    name = request.POST.get("name", "").strip()
    plan = arrangement_plan(year=_year(year), entries=[], replaces=[name])
    if not plan.changes:
        messages.error(request, _("%(year)s 年没有名为“%(name)s”的假期") % {"year": year, "name": name})
        return redirect("portal:calendar_year", year=year)
    return _preview(request, plan)


@manager_only
@require_POST
def calendar_upload(request, year: int):
    """The whole year from an Excel file (the template): refused with every problem named
    by row and column, or previewed."""
    form = UploadForm(request.POST, request.FILES)
    problems = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            return _preview(request, arrangement_plan_from_file(year=_year(year), data=upload.read(LIMITS.max_bytes + 1)))
        except BadFile as error:
            form.add_error("file", str(error))
        except ArrangementRefused as refused:
            problems = refused.problems
    return _year_page(request, _year(year), upload_form=form, upload_problems=problems)


@manager_only
@require_POST
def calendar_apply(request, year: int):
    """The confirmation of a preview: the plan comes back signed, exactly as it was shown."""
    try:
        plan = ArrangementPlan.from_data(signing.loads(request.POST.get("plan", ""), salt=TOKEN_SALT,
                                                       max_age=TOKEN_MAX_AGE))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        messages.error(request, _("预览已过期或无效，请重新提交"))
        return redirect("portal:calendar_year", year=_year(year))
    if plan.year != year:
        raise Http404(_("年份不一致"))
    ok, change = perform(request, lambda: arrangement_apply(user=request.user, plan=plan))
    if ok:
        messages.success(request, _("已保存：%(summary)s") % {"summary": change.summary} if change
                         else _("与现有安排相同，无需保存"))
    return redirect("portal:calendar_year", year=year)


@manager_only
@require_POST
def calendar_confirm(request, year: int):
    notice = ConfirmYearForm(request.POST).data.get("notice", "")
    perform(request, lambda: calendar_year_confirm(user=request.user, year=_year(year), notice=notice),
            success=_("已确认 %(year)s 年放假安排，到期日将按此计算") % {"year": year})
    return redirect("portal:calendar_year", year=year)


@manager_only
def calendar_template(request, year: int):
    response = HttpResponse(arrangement_template(_year(year)), content_type=XLSX)
    filename = _("%(year)s年放假安排.xlsx") % {"year": year}
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
