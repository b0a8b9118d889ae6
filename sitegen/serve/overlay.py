"""The error overlay, and how the reload script and overlay get into served pages.

While a build error stands, every HTML page the preview serves carries a
dismissable box listing the problems over the last good site; every HTML page
also gets the LiveReload script. Both are added at response time by
``inject``, never written to the output folder.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from sitegen.model import Problem

OVERLAY_ID = "sitegen-error-overlay"


def overlay_html(problems: Sequence[Problem]) -> str:
    """The dismissable error box shown over the last good site (all text escaped)."""
    items = "".join(
        '<li style="margin:.4em 0;white-space:pre-wrap"><code style="font-weight:bold">'
        f"{html.escape(p.file if p.line is None else f'{p.file}:{p.line}')}</code>: "
        f"{html.escape(p.full_message)}</li>"
        for p in problems
    )
    return (
        f'<div id="{OVERLAY_ID}" role="alert" aria-labelledby="{OVERLAY_ID}-title" '
        'style="position:fixed;z-index:2147483647;left:1rem;right:1rem;bottom:1rem;'
        "max-height:60vh;overflow:auto;padding:1rem 1.25rem;border-radius:.5rem;"
        "background:#7a0b0b;color:#fff;font:15px/1.45 system-ui,sans-serif;"
        'box-shadow:0 .5rem 2rem rgba(0,0,0,.5)">'
        f'<p id="{OVERLAY_ID}-title" style="margin:0;font-weight:bold;font-size:1.1em">'
        "Build failed: showing the last good site</p>"
        f'<ul style="margin:.5em 0;padding-left:1.2em">{items}</ul>'
        '<p style="margin:0">Fix the file and save: this page reloads by itself.</p>'
        '<button type="button" onclick="this.parentNode.remove()" '
        'style="margin-top:.75em;font:inherit;padding:.2em .8em;color:#000;background:#fff;'
        'border:0;border-radius:.25rem;cursor:pointer">Dismiss</button>'
        "<script>document.addEventListener('keydown',function(e){if(e.key==='Escape'){"
        f"var o=document.getElementById('{OVERLAY_ID}');if(o)o.remove()}}}})</script>"
        "</div>"
    )


_BODY_OPEN = re.compile(rb"<body\b[^>]*>", re.IGNORECASE)


def inject(page: bytes, script: str, overlay: str) -> bytes:
    """Overlay after ``<body>`` (keyboard reaches it first), script before ``</body>``."""
    if overlay:
        found = _BODY_OPEN.search(page)
        at = found.end() if found else 0
        page = page[:at] + overlay.encode() + page[at:]
    end = page.lower().rfind(b"</body>")
    if end < 0:
        return page + script.encode()
    return page[:end] + script.encode() + page[end:]
