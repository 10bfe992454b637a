"""The one URL policy: a link may use http, https or mailto, or be relative (a path or a `#fragment`).

Used for Markdown links and images (as markdown-it's `validateLink`) and for URL fields in YAML. The check
is deliberately stricter than browsers: it decodes HTML entities and percent-encoding until nothing
changes, drops whitespace, control and invisible format characters, and compares the scheme in lowercase,
so `&#106;avascript:`, `%6Aavascript:`, `java\\tscript:` and `JAVASCRIPT:` are all seen as `javascript:`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import unquote

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):", re.ASCII)
_DECODE_ROUNDS = 4  # more layers of encoding than this is refused outright
_INVISIBLE = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


def is_safe_url(url: str) -> bool:
    """True for http(s) and mailto URLs and for relative URLs and fragments; False for anything else."""
    decoded = url
    for _ in range(_DECODE_ROUNDS):
        unwrapped = unquote(html.unescape(decoded))
        if unwrapped == decoded:
            break
        decoded = unwrapped
    else:
        return False
    visible = "".join(c for c in decoded if not c.isspace() and unicodedata.category(c) not in _INVISIBLE)
    scheme = _SCHEME.match(visible.lower())
    return scheme is None or scheme.group(1) in ALLOWED_SCHEMES
