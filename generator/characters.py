"""Characters content may not hold, because an export could not carry them or the build uses them itself.

XML 1.0 forbids C0 control characters other than tab, line feed and carriage return, the noncharacters
U+FFFE and U+FFFF, and lone surrogates: one of them in any field would make the feed or the sitemap
ill-formed. A carriage return that does not end a line is refused too (a line-based reader of the calendar
would see a new line there), and so is a numeric character reference (`&#12;`) to any of these, which
Markdown would turn into the character itself. NUL is among them, so the Markdown layer's NUL-delimited
link markers cannot be written by content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FORBIDDEN_CHARACTER = r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"
_ONE_FORBIDDEN = re.compile(_FORBIDDEN_CHARACTER)
_REFERENCE = r"&#(?:[0-9]{1,8}|[xX][0-9a-fA-F]{1,8});"
# In a whole file a carriage return may end a line (CRLF); in a value (after YAML escapes) it may not.
_IN_FILE = re.compile(rf"{_FORBIDDEN_CHARACTER}|\r(?!\n)|{_REFERENCE}")
_IN_VALUE = re.compile(rf"{_FORBIDDEN_CHARACTER}|\r|{_REFERENCE}")
_NAMES = {0x00: "NUL", 0x0C: "form feed", 0x0D: "carriage return", 0x1B: "escape", 0x08: "backspace", 0x07: "bell"}
_HINT = "delete it: feeds, sitemaps and calendars cannot carry it"
_LINE_HINT = "save the file with LF or CRLF line endings, or delete the character"


@dataclass(frozen=True)
class Forbidden:
    offset: int  # in the text searched
    message: str
    hint: str


def _describe(code: int) -> str:
    name = _NAMES.get(code)
    label = f"U+{code:04X}" + (f" ({name})" if name else "")
    if 0xD800 <= code <= 0xDFFF:
        return f"lone surrogate {label}"
    if code in (0xFFFE, 0xFFFF):
        return f"noncharacter {label}"
    return f"control character {label}"


def _is_forbidden_code(code: int) -> bool:
    return code > 0x10FFFF or code == 0x0D or bool(_ONE_FORBIDDEN.fullmatch(chr(code)))


def _judge(match: re.Match[str], in_value: bool) -> Forbidden | None:
    found = match.group()
    if found == "\r" and not in_value:
        return Forbidden(match.start(), "a carriage return (U+000D) that does not end a line", _LINE_HINT)
    if not found.startswith("&#"):
        return Forbidden(match.start(), f"{_describe(ord(found))} is not allowed", _HINT)
    digits = found[2:-1]
    code = int(digits[1:], 16) if digits[:1] in ("x", "X") else int(digits)
    if not _is_forbidden_code(code):
        return None
    what = "a code point beyond Unicode" if code > 0x10FFFF else _describe(code)
    return Forbidden(match.start(), f"the character reference `{found}` stands for {what}", _HINT)


def _first(pattern: re.Pattern[str], text: str) -> Forbidden | None:
    for match in pattern.finditer(text):
        found = _judge(match, pattern is _IN_VALUE)
        if found is not None:
            return found
    return None


def forbidden_in_file(text: str) -> Forbidden | None:
    """The first character (or reference to one) that content may not hold, in a whole file's text."""
    return _first(_IN_FILE, text)


def forbidden_in_value(text: str) -> Forbidden | None:
    """The same for one value after YAML escapes are decoded, where any carriage return is refused."""
    return _first(_IN_VALUE, text)
