"""Text from input data made safe for the map page; JSON and code that cannot close their element."""

from __future__ import annotations

import html
import json
import re
from typing import Any

__all__ = ["MAX_TEXT", "plain", "esc", "script_json", "safe_inline"]

#: Longest text shown from input data (longer names are cut with an ellipsis).
MAX_TEXT = 120


def plain(value: Any, max_len: int = MAX_TEXT) -> str:
    """Input text as valid Unicode: lone surrogates repaired, control characters dropped, cut to ``max_len``."""
    if isinstance(value, bytes):
        text = value.decode("utf-8", errors="replace")
    else:
        text = "" if value is None else str(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            text = text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")
        except UnicodeEncodeError:
            text = text.encode("utf-8", errors="replace").decode("utf-8")
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)
    if len(text) > max_len:
        text = text[: max_len - 1] + "…"
    return text


def esc(value: Any, max_len: int = MAX_TEXT) -> str:
    """HTML-escaped input text (safe to insert as HTML and inside attributes)."""
    return html.escape(plain(value, max_len), quote=True)


def script_json(data: Any) -> str:
    """JSON that cannot end the ``<script>`` element it is embedded in."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def safe_inline(code: str) -> str:
    """Library code safe to place inside ``<script>``/``<style>`` (no closing tag inside)."""
    return re.sub(r"</(script|style)", r"<\\/\1", code, flags=re.IGNORECASE)
