"""Splitting a free-text delivery address into province / city / district / detail.

A spreadsheet has one 收货地址 column; an order stores the parts separately (freight
rules and reports work by region). ``cpca`` knows the administrative divisions and also
completes a missing province from the city ("杭州市西湖区…" → 浙江省).
"""

import math
import warnings
from dataclasses import dataclass

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
