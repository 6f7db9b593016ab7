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


def pinyin_of(text: str) -> str:
    """华兴科技 → huaxingkeji (letters and digits of the text kept as they are, lower case)."""
    return "".join(lazy_pinyin(text or "")).lower().replace(" ", "")


def initials_of(text: str) -> str:
    """华兴科技 → hxkj."""
    return "".join(lazy_pinyin(text or "", style=Style.FIRST_LETTER)).lower().replace(" ", "")


def search_fields(name: str, *others: str) -> dict:
    """The stored search columns of a customer or product named ``name``."""
    return {"search_key": build_search_key(name, *others), "pinyin": pinyin_of(name)[:300],
            "initials": initials_of(name)[:120]}
