"""LaTeX in a report rendered as MathML, so that equations read well with no network (no MathJax).

The notebooks' markdown keeps ``$...$`` and ``$$...$$`` (JupyterLab renders them with MathJax);
the self-contained HTML report replaces them with MathML, which browsers render natively.
Code (``<pre>``, ``<code>``) is left alone, and so is a lone ``$`` (an amount such as ``$1,234``).
"""
from __future__ import annotations

import html
import re

_SKIP = re.compile(r"(<pre\b.*?</pre>|<code\b.*?</code>|<script\b.*?</script>|<style\b.*?</style>|<[^>]+>)", re.S)
_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
# inline: $x$ with no space just inside the dollars, no digit right after the closing one
_INLINE = re.compile(r"(?<![\\$])\$(?=\S)([^$\n]+?)(?<=\S)\$(?![\d$])")


def _mathml(tex: str, display: str) -> str:
    from latex2mathml.converter import convert

    source = html.unescape(tex).strip()
    try:
        return convert(source, display=display)
    except Exception:  # an expression the converter does not know: keep the source readable
        return f'<code class="tex">{html.escape(source)}</code>'


def render_math(body: str) -> str:
    """``body`` (HTML) with every ``$$...$$`` and ``$...$`` outside tags and code turned into MathML."""
    parts = _SKIP.split(body)
    for i in range(0, len(parts), 2):  # even parts are text between tags
        text = parts[i]
        if "$" not in text:
            continue
        text = _DISPLAY.sub(lambda m: _mathml(m.group(1), "block"), text)
        parts[i] = _INLINE.sub(lambda m: _mathml(m.group(1), "inline"), text)
    return "".join(parts)
