"""Holidays as a State Council notice lists them, checked, and what entering them would change.

A notice gives, per holiday, the days off (from–to) and the weekend days worked instead
(调休上班): ``HolidayEntry``. ``arrangement_plan`` checks entries against each other and
against the calendar already kept, and works out day by day what would change
(``ArrangementPlan``); it writes nothing. The portal shows the plan, and the 主管's
confirmation hands the same plan to ``services.arrangement_apply``.
"""

import hashlib
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from django.db.models import Q
from django.utils.translation import gettext, gettext_noop

from ..errors import InvalidInput
from ..models import CalendarChange, CalendarDay

HOLIDAY, WORKDAY = CalendarDay.Kind.HOLIDAY.value, CalendarDay.Kind.WORKDAY.value
NAME_MAX_LENGTH = CalendarDay._meta.get_field("name").max_length
LONGEST_HOLIDAY_DAYS = 31
# An arrangement may reach into the neighbouring years by this much (元旦 off from 30
# December, a 调休 Saturday at the end of December, 春节 early in a January).
REACH_INTO_NEIGHBOURING_YEARS = timedelta(days=31)

# The columns of the Excel template, also the names the problems of a form refer to.
NAME, FIRST_DAY, LAST_DAY, WORKDAYS = "名称", "放假开始", "放假结束", "调休上班日"


@dataclass(frozen=True)
class HolidayEntry:
    name: str
    days_off: tuple[date, ...]
    workdays: tuple[date, ...] = ()
    row: int | None = None  # the spreadsheet row it was read from, for messages

    @classmethod
    def from_range(cls, name: str, first_day: date, last_day: date, workdays: Sequence[date] = (),
                   row: int | None = None) -> "HolidayEntry":
        days = tuple(first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1))
        return cls((name or "").strip(), days, tuple(sorted(set(workdays))), row)

    @property
    def first_day(self) -> date | None:
        return self.days_off[0] if self.days_off else None

    @property
    def last_day(self) -> date | None:
        return self.days_off[-1] if self.days_off else None

    def as_data(self) -> dict:
        return {"name": self.name, "off": [d.isoformat() for d in self.days_off],
                "work": [d.isoformat() for d in self.workdays], "row": self.row}

    @classmethod
    def from_data(cls, data: dict) -> "HolidayEntry":
        return cls(data["name"], tuple(date.fromisoformat(d) for d in data["off"]),
                   tuple(date.fromisoformat(d) for d in data["work"]), data.get("row"))


@dataclass(frozen=True)
class Problem:
    """What is wrong with an entry, and where: a spreadsheet row and column, or a form field."""

    message: str
    row: int | None = None
    column: str = ""  # one of the column names above
    letter: str = ""  # the column's letter in an uploaded file

    @property
    def where(self) -> str:
        parts = []
        if self.row:
            parts.append(gettext("第%(row)s行") % {"row": self.row})
        if self.column:
            parts.append(f"{self.column}（{self.letter}列）" if self.letter else self.column)
        return "，".join(parts)

    def __str__(self) -> str:
        return f"{self.where}：{self.message}" if self.where else self.message


class ArrangementRefused(InvalidInput):
    """The entries cannot be entered as they are; ``problems`` says every reason."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.row or 0, p.column))
        super().__init__("；".join(str(p) for p in self.problems), code="arrangement_refused")


# Translated where shown (gettext at use); marked here so that makemessages finds them.
WEEKDAYS = [gettext_noop("星期一"), gettext_noop("星期二"), gettext_noop("星期三"), gettext_noop("星期四"),
            gettext_noop("星期五"), gettext_noop("星期六"), gettext_noop("星期日")]


def _label(state: tuple[str, str] | None) -> str:
    if state is None:
        return ""
    kind, name = state
    word = gettext("放假") if kind == HOLIDAY else gettext("调休上班")
    return f"{word} · {name}" if name else word


@dataclass(frozen=True)
class DayChange:
    day: date
    before: tuple[str, str] | None  # (kind, name), None: the day had no row
    after: tuple[str, str] | None

    @property
    def weekday(self) -> str:
        return gettext(WEEKDAYS[self.day.weekday()])

    @property
    def before_label(self) -> str:
        return _label(self.before)

    @property
    def after_label(self) -> str:
        return _label(self.after)

    def as_data(self) -> dict:
        return {"day": self.day.isoformat(), "before": ":".join(self.before or ()), "after": ":".join(self.after or ())}

    @classmethod
    def from_data(cls, data: dict) -> "DayChange":
        def state(text):
            return tuple(text.split(":", 1)) if text else None

        return cls(date.fromisoformat(data["day"]), state(data["before"]), state(data["after"]))


@dataclass(frozen=True)
class ArrangementPlan:
    year: int
    entries: tuple[HolidayEntry, ...]
    replaces: tuple[str, ...] | None  # names of the holidays replaced; None: the whole year
    changes: list[DayChange] = field(default_factory=list)

    @property
    def action(self) -> str:
        if self.replaces is None:
            return CalendarChange.Action.UPLOAD
        return CalendarChange.Action.SAVE if self.entries else CalendarChange.Action.REMOVE

    @property
    def fingerprint(self) -> str:
        """Identifies the changes: a plan previewed and a plan worked out again at the
        confirmation are the same change only if their fingerprints are equal."""
        payload = json.dumps([c.as_data() for c in self.changes], sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    def count(self, what: str) -> int:
        if what == "added":
            return sum(1 for c in self.changes if c.before is None)
        if what == "removed":
            return sum(1 for c in self.changes if c.after is None)
        return sum(1 for c in self.changes if c.before is not None and c.after is not None)

    def summary(self) -> str:
        names = "、".join(dict.fromkeys([e.name for e in self.entries] + list(self.replaces or ())))
        text = gettext("%(year)s 年：新增 %(added)s 天，修改 %(changed)s 天，删除 %(removed)s 天") % {
            "year": self.year, "added": self.count("added"), "changed": self.count("changed"),
            "removed": self.count("removed"),
        }
        return f"{text}（{names}）" if names else text

    def as_data(self) -> dict:
        return {"year": self.year, "entries": [e.as_data() for e in self.entries],
                "replaces": None if self.replaces is None else list(self.replaces),
                "changes": [c.as_data() for c in self.changes]}

    @classmethod
    def from_data(cls, data: dict) -> "ArrangementPlan":
        replaces = data["replaces"]
        return cls(int(data["year"]), tuple(HolidayEntry.from_data(e) for e in data["entries"]),
                   None if replaces is None else tuple(replaces),
                   [DayChange.from_data(c) for c in data["changes"]])


def arrangement_plan(*, year: int, entries: Sequence[HolidayEntry],
                     replaces: Collection[str] | None = None) -> ArrangementPlan:
    """What entering ``entries`` as ``year``'s arrangement would change; nothing is written.

    ``replaces`` names the holidays of the year that the entries take the place of (a
    holiday saved from the form replaces its namesake, an empty ``entries`` removes them);
    ``None`` replaces the whole year, as an uploaded file does. Raises
    ``ArrangementRefused`` with every problem found.
    """
    entries = tuple(entries)
    replaces = None if replaces is None else tuple(dict.fromkeys(n.strip() for n in replaces))
    in_scope, outside = _kept_days(year, replaces)
    problems = _entry_problems(year, entries) + _conflicts(year, entries, outside)
    if problems:
        raise ArrangementRefused(problems)
    wanted = {}
    for entry in entries:
        wanted.update({day: (HOLIDAY, entry.name) for day in entry.days_off})
        wanted.update({day: (WORKDAY, entry.name) for day in entry.workdays})
    changes = [
        DayChange(day, in_scope.get(day), wanted.get(day))
        for day in sorted(set(in_scope) | set(wanted))
        if in_scope.get(day) != wanted.get(day)
    ]
    return ArrangementPlan(year, entries, replaces, changes)


def _kept_days(year: int, replaces: tuple[str, ...] | None):
    """The days the plan replaces, and every other day kept, as ``{day: (kind, name)}``;
    the other days also carry the year of the arrangement they belong to."""
    in_scope, outside = {}, {}
    near = Q(day__gte=date(year, 1, 1) - REACH_INTO_NEIGHBOURING_YEARS,
             day__lte=date(year, 12, 31) + REACH_INTO_NEIGHBOURING_YEARS)
    rows = CalendarDay.objects.filter(near | Q(calendar_year__year=year))
    for day, kind, name, owner in rows.values_list("day", "kind", "name", "calendar_year__year"):
        if owner == year and (replaces is None or name in replaces):
            in_scope[day] = (kind, name)
        else:
            outside[day] = (kind, name, owner)
    return in_scope, outside


def _entry_problems(year: int, entries: Sequence[HolidayEntry]) -> list[Problem]:
    problems = []
    first_seen: dict[str, HolidayEntry] = {}
    for entry in entries:
        problems += _name_problems(entry, first_seen)
        problems += _days_off_problems(year, entry)
        problems += _workday_problems(year, entry)
    return problems


def _name_problems(entry: HolidayEntry, first_seen: dict[str, HolidayEntry]) -> list[Problem]:
    if not entry.name:
        return [Problem(gettext("请填写假期名称，如 春节"), entry.row, NAME)]
    if len(entry.name) > NAME_MAX_LENGTH:
        return [Problem(gettext("名称最长 %(n)s 个字") % {"n": NAME_MAX_LENGTH}, entry.row, NAME)]
    earlier = first_seen.setdefault(entry.name, entry)
    if earlier is entry:
        return []
    where = gettext("，第%(row)s行已有") % {"row": earlier.row} if earlier.row else ""
    return [Problem(gettext("名称“%(name)s”重复") % {"name": entry.name} + where, entry.row, NAME)]


def _outside_reach(year: int, day: date) -> bool:
    return not date(year, 1, 1) - REACH_INTO_NEIGHBOURING_YEARS <= day <= date(year, 12, 31) + REACH_INTO_NEIGHBOURING_YEARS


def _days_off_problems(year: int, entry: HolidayEntry) -> list[Problem]:
    if not entry.days_off:
        return [Problem(gettext("请填写放假日期"), entry.row, FIRST_DAY)]
    if len(entry.days_off) > LONGEST_HOLIDAY_DAYS:
        return [Problem(gettext("放假 %(n)s 天，超过一个月，请核对日期") % {"n": len(entry.days_off)}, entry.row, LAST_DAY)]
    if all(day.year != year for day in entry.days_off) or any(_outside_reach(year, d) for d in entry.days_off):
        return [Problem(
            gettext("放假日期 %(first)s 至 %(last)s 不在 %(year)s 年（只有年初年末的假期可以跨年几天）")
            % {"first": entry.first_day, "last": entry.last_day, "year": year}, entry.row, FIRST_DAY,
        )]
    return []


def _workday_problems(year: int, entry: HolidayEntry) -> list[Problem]:
    problems = []
    for day in entry.workdays:
        if _outside_reach(year, day):
            message = gettext("%(day)s 不在 %(year)s 年") % {"day": day, "year": year}
        elif day.weekday() < 5:
            message = gettext("%(day)s 是%(weekday)s，本来就要上班，不是调休上班日") % {
                "day": day, "weekday": gettext(WEEKDAYS[day.weekday()])}
        elif day in entry.days_off:
            message = gettext("%(day)s 既是放假又是调休上班") % {"day": day}
        else:
            continue
        problems.append(Problem(message, entry.row, WORKDAYS))
    return problems


def _conflicts(year: int, entries: Sequence[HolidayEntry], outside: dict) -> list[Problem]:
    """A day may belong to one holiday only: of these entries, or kept from before. The
    days an entry shares with one other holiday make one problem."""
    problems = []
    claimed: dict[date, str] = {}
    for entry in entries:
        clashes: dict[tuple[str, str], list[date]] = {}
        for day, column in [(d, FIRST_DAY) for d in entry.days_off] + [(d, WORKDAYS) for d in entry.workdays]:
            if day in claimed and claimed[day] != entry.name:
                clashes.setdefault((column, _in_entries(claimed[day])), []).append(day)
            elif day in outside:
                _kind, name, owner = outside[day]
                clashes.setdefault((column, _kept(name, owner, year)), []).append(day)
            else:
                claimed[day] = entry.name
        for (column, where), days in clashes.items():
            listed = "、".join(d.isoformat() for d in days)
            problems.append(Problem(f"{listed} {where}", entry.row, column))
    return problems


def _in_entries(other: str) -> str:
    return gettext("也在“%(name)s”中") % {"name": other}


def _kept(name: str, owner: int, year: int) -> str:
    if owner == year:
        return gettext("已在“%(name)s”中") % {"name": name}
    return gettext("已在 %(year)s 年的“%(name)s”中") % {"year": owner, "name": name}


def with_letters(problems: Sequence[Problem], letters: dict[str, str]) -> list[Problem]:
    """The problems with the column letters of an uploaded file."""
    return [replace(p, letter=letters.get(p.column, p.letter)) for p in problems]
