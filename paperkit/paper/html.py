"""PAPER.html: the paper as one self-contained web page, made from PAPER.md as it stands.

markdown-it-py renders the Markdown (tables included); each heading gets an ``id`` as GitHub
would make it, so links to ``#section`` work in both; each Mermaid xychart becomes an inline
SVG (:mod:`paperkit.paper.svg`). The page has no script and loads nothing: one file that opens
offline. Raw HTML in the Markdown is kept only for ``<details>``, ``<summary>`` and ``<br>``
(the paper's collapsed tables); comments, paperkit's block markers among them, are left out,
and any other tag is shown as text, so text from logs can never become markup. The same
Markdown gives the same bytes.

The paper stage.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from paperkit.paper.svg import parse, svg

_ALLOWED = re.compile(r"</?(?:details|summary)>|<br\s*/?>", re.IGNORECASE)
_PIECES = re.compile(r"<!--.*?-->|<[^>]*>|[^<]+|<", re.DOTALL)

# Nothing may load from anywhere: no script at all, only the page's own style and inline images.
POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.5;
  max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1f2328; }
table { border-collapse: collapse; margin: 1rem 0; display: block; overflow-x: auto; }
th, td { border: 1px solid #d0d7de; padding: 0.3rem 0.6rem; }
th { background: #f6f8fa; }
tr:nth-child(2n) td { background: #fbfcfd; }
code { background: #f6f8fa; padding: 0.1rem 0.3rem; border-radius: 4px; }
pre { background: #f6f8fa; padding: 0.8rem; overflow-x: auto; }
details { margin: 0.5rem 0 1rem; }
summary { cursor: pointer; color: #0969da; }
figure.chart { margin: 1rem 0; }
svg.chart { max-width: 100%; height: auto; font-size: 11px; }
svg.chart .title { font-size: 14px; font-weight: 600; }
svg.chart .grid { stroke: #e5e7eb; stroke-width: 1; }
svg.chart text { fill: #1f2328; }
"""


def slug(text: str) -> str:
    """Return a heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces
    to hyphens ("Cost Over Time" -> "cost-over-time")."""
    lowered = text.strip().lower()
    kept = re.sub(r"[^\w\- ]", "", lowered)
    return kept.replace(" ", "-")


def _safe_html(content: str) -> str:
    """Return raw HTML from the Markdown with only the allowed tags kept; the rest is text."""
    out = []
    for piece in _PIECES.findall(content):
        if piece.startswith("<!--"):
            continue
        out.append(piece if _ALLOWED.fullmatch(piece) else escape(piece, quote=False))
    return "".join(out)


class _Renderer(RendererHTML):
    """markdown-it's HTML renderer with safe raw HTML and Mermaid charts drawn as SVG."""

    def html_block(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return _safe_html(tokens[idx].content)

    def html_inline(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return _safe_html(tokens[idx].content)

    def fence(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        if token.info.strip() == "mermaid":
            chart = parse(token.content)
            if chart is not None:
                return f'<figure class="chart">\n{svg(chart)}\n</figure>\n'
            return (
                '<p class="note">A Mermaid diagram this page cannot draw; its source:</p>\n'
                f"<pre><code>{escape(token.content)}</code></pre>\n"
            )
        return super().fence(tokens, idx, options, env)


def _anchors(md: Any) -> None:
    """Give every heading an ``id`` from its text, numbered when repeated, as GitHub does."""

    def rule(state: Any) -> None:
        seen: dict[str, int] = {}
        tokens = state.tokens
        for i, token in enumerate(tokens):
            if token.type != "heading_open":
                continue
            inline = tokens[i + 1].children or []
            base = slug("".join(t.content for t in inline if t.type in ("text", "code_inline")))
            n = seen.get(base, 0)
            seen[base] = n + 1
            token.attrSet("id", base if n == 0 else f"{base}-{n}")

    md.core.ruler.push("heading_anchors", rule)


def markdown() -> MarkdownIt:
    """Return the Markdown parser of PAPER.html: CommonMark with tables and strikethrough."""
    md = MarkdownIt("commonmark", {"html": True}, renderer_cls=_Renderer)
    md.enable(["table", "strikethrough"])
    _anchors(md)
    return md


def _title(text: str) -> str:
    """Return the page title: the paper's first heading, as plain text."""
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return "Paper"


def paper_html(text: str) -> str:
    """Return PAPER.md's ``text`` as a whole HTML page: one file, no script, no network."""
    body = markdown().render(text)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">\n'
        f"<title>{escape(_title(text))}</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n"
    )
