"""A problem found in an import file: where it is, what is wrong, how to fix it."""

from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"
INFO = "info"


@dataclass
class Problem:
    level: str
    message: str
    hint: str = ""
    row: int | None = None  # spreadsheet row number as Excel shows it
    column: str = ""  # header of the column, e.g. 数量
    letter: str = ""  # column letter, e.g. I
    value: str = ""
    key: str = ""  # stable identity of a warning, so that a confirmation can refer to it

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def where(self) -> str:
        parts = []
        if self.row:
            parts.append(f"第{self.row}行")
        if self.column:
            parts.append(f"{self.column}（{self.letter}列）" if self.letter else self.column)
        return "，".join(parts)

    def as_line(self) -> str:
        """One line for the command line: ``row N, column X: …``."""
        place = []
        if self.row:
            place.append(f"row {self.row}")
        if self.column:
            place.append(f"column {self.letter} ({self.column})" if self.letter else f"column {self.column}")
        text = f"“{self.value}” " if self.value else ""
        text += self.message
        if self.hint:
            text += f"；{self.hint}"
        return (", ".join(place) + ": " if place else "") + text


def from_dict(data: dict) -> Problem:
    return Problem(**{k: data.get(k, "") for k in Problem.__dataclass_fields__})
