"""Splitting a free-text delivery address into province / city / district / detail.

A spreadsheet has one 收货地址 column, and a clerk pastes a whole address line into the
order or customer form; an order stores the parts separately (freight rules and reports
work by region). ``cpca`` knows the administrative divisions and also completes a missing
province from the city ("杭州市西湖区…" → 浙江省).
"""

import math
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext

# Municipalities are their own city; cpca reports their city as "市辖区".
_MUNICIPAL_CITY = {"市辖区", "县"}


@dataclass(frozen=True)
class ParsedAddress:
    province: str
    city: str
    district: str
    detail: str

    @property
    def full(self) -> str:
        return f"{self.province}{self.city}{self.district}{self.detail}"


def _clean(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def parse_addresses(addresses: list[str]) -> dict[str, ParsedAddress | None]:
    """Parse many addresses in one pass; ``None`` when province or city can't be found."""
    unique = sorted({a for a in addresses if a})
    if not unique:
        return {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import cpca

        frame = cpca.transform(unique)
    result: dict[str, ParsedAddress | None] = {}
    for raw, (province, city, district, detail) in zip(
        unique, frame[["省", "市", "区", "地址"]].itertuples(index=False, name=None)
    ):
        province, city, district, detail = _clean(province), _clean(city), _clean(district), _clean(detail)
        if city in _MUNICIPAL_CITY and province.endswith("市"):
            city = province
        if not province or not city:
            result[raw] = None
            continue
        result[raw] = ParsedAddress(province=province, city=city, district=district, detail=detail)
    return result


@dataclass(frozen=True)
class PastedAddress:
    """What a pasted address line gives the form: the parts found, and what is missing."""

    province: str
    city: str
    district: str
    detail: str
    problem: str = ""


def parse_address_line(text: str) -> PastedAddress:
    """One address line as a clerk pastes it: ``广东省深圳市南山区科技园路1号``. An unknown
    city (or no province and city at all) is named in ``problem``; what was found is kept."""
    text = (text or "").strip()
    if not text:
        return PastedAddress("", "", "", "", gettext("请粘贴完整地址"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import cpca

        frame = cpca.transform([text])
    province, city, district, detail = (_clean(v) for v in frame[["省", "市", "区", "地址"]].iloc[0])
    if city in _MUNICIPAL_CITY and province.endswith("市"):
        city = province
    problem = ""
    if not province and not city:
        problem = gettext("未能识别省和市，请检查地址或手工填写")
    elif not city:
        problem = gettext("未能识别城市，请检查地址或手工填写“市”")
    return PastedAddress(province, city, district, detail or (text if problem else ""), problem)


@dataclass(frozen=True)
class Region:
    """A region typed into a search box, as stored on orders and addresses."""

    province: str
    city: str = ""
    district: str = ""


def parse_region(text: str) -> Region | None:
    """广东 → 广东省; 深圳 (or 深圳市) → 广东省 深圳市; 上海 → 上海市; 南山区 → 广东省 深圳市 南山区;
    None when cpca knows no such region."""
    parsed = parse_address_line(text)
    if not parsed.province:
        return None
    city = "" if parsed.city == parsed.province else parsed.city  # a municipality is its province
    return Region(parsed.province, city, parsed.district)
