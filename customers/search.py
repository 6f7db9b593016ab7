"""Search keys for Chinese names: the name itself, its full pinyin and its initials,
so that typing “hxkj” or “huaxing” finds 华兴科技."""

from pypinyin import Style, lazy_pinyin


def build_search_key(*parts: str) -> str:
    tokens: list[str] = []
    for part in parts:
        if not part:
            continue
        tokens.append(part.lower())
        tokens.append("".join(lazy_pinyin(part)).lower())
        tokens.append("".join(lazy_pinyin(part, style=Style.FIRST_LETTER)).lower())
    return " ".join(tokens)
