"""Partial dates (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`): parsed strictly, sorted, shown honestly."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

_PATTERN = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
MONTHS = tuple(calendar.month_name)  # locale-independent: calendar uses English names by default


@dataclass(frozen=True, order=True, slots=True)
class PartialDate:
    year: int
    month: int = 0  # 0 = unknown
    day: int = 0

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Raise ValueError with a reader-facing message if `text` is not a real date."""
        match = _PATTERN.fullmatch(text.strip())
        if not match:
            raise ValueError(f"`{text}` is not a date; write YYYY, YYYY-MM or YYYY-MM-DD")
        year, month, day = (int(part) if part else 0 for part in match.groups())
        if match.group(2) and not 1 <= month <= 12:
            raise ValueError(f"`{text}` has no month {month}")
        if match.group(3):
            last = calendar.monthrange(year, month)[1]
            if not 1 <= day <= last:
                raise ValueError(f"`{text}` is not a real date: {MONTHS[month]} {year} has {last} days")
        return cls(year, month, day)

    @property
    def precision(self) -> str:
        return "day" if self.day else "month" if self.month else "year"

    @property
    def iso(self) -> str:
        """The date as written in content: `2024`, `2024-02` or `2024-02-27`."""
        text = f"{self.year:04d}"
        if self.month:
            text += f"-{self.month:02d}"
        if self.day:
            text += f"-{self.day:02d}"
        return text

    @property
    def display(self) -> str:
        """`27 February 2024`, `February 2024` or `2024`: never more precise than the source."""
        if self.day:
            return f"{self.day} {MONTHS[self.month]} {self.year}"
        if self.month:
            return f"{MONTHS[self.month]} {self.year}"
        return str(self.year)

    @property
    def earliest_iso(self) -> str:
        """A full date for machine formats that need one (first day of the period)."""
        return f"{self.year:04d}-{self.month or 1:02d}-{self.day or 1:02d}"

    def __str__(self) -> str:
        return self.iso
