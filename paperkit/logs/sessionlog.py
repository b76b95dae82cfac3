"""The sessions of an experiment's ``log.md``, read from its Markdown structure.

A session is a ``### Session N: <date> - <title>`` heading followed by ``**Duration:**``,
``**Goal:**``, ``**Progress:**``, ``**Blockers:**`` and ``**Next:**`` lines, as in the
create-something-experiments template. The file is parsed with markdown-it-py, so a heading
inside a code fence is not a session and the fields may be lines of one paragraph or list items.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

from paperkit.logs.durations import parse_minutes

FIELDS = ("duration", "goal", "progress", "blockers", "next")

# Only the heading's own inline text is matched here; the document structure comes from the parser.
_HEADING = re.compile(
    r"Session\s+(?P<number>\d+)\s*:\s*(?P<date>.*?)(?:\s+[-\u2014]\s+(?P<title>.*))?",
    re.IGNORECASE | re.DOTALL,
)
_BREAKS = ("softbreak", "hardbreak")


@dataclass(frozen=True)
class Session:
    """One session of log.md: its heading and its five fields (text as written, or None)."""

    number: int
    date: str | None
    title: str | None
    duration: str | None
    duration_min: float | None
    goal: str | None
    progress: str | None
    blockers: str | None
    next: str | None
    line: int


# A session number longer than this is no count of sessions (and Python refuses to turn a
# digit string of over 4,300 digits into an int): the heading is skipped, with a warning.
MAX_NUMBER_DIGITS = 9


def parse_sessions(text: str) -> tuple[Session, ...]:
    """Return the sessions of a log.md text in file order (empty if it has none).

    Fields come from the paragraphs and list items between a session heading and the next
    heading of level 3 or higher. Labels are case-insensitive, the colon may sit inside or
    outside the bold, and a value that runs over several lines is joined with spaces.
    """
    return read_sessions(text)[0]


def read_sessions(text: str) -> tuple[tuple[Session, ...], tuple[tuple[int, str], ...]]:
    """Return the sessions of a log.md text, and the headings skipped as ``(line, reason)``."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    tokens = MarkdownIt("commonmark").parse(text)
    sessions = []
    skipped = []
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.tag != "h3":
            continue
        heading = _HEADING.fullmatch(_plain(tokens[index + 1].children or []).strip())
        if heading is None:
            continue
        if len(heading["number"]) > MAX_NUMBER_DIGITS:
            line = token.map[0] + 1 if token.map else 0
            digits = len(heading["number"])
            skipped.append((line, f"session number of {digits:,} digits; heading skipped"))
            continue
        fields = _fields(_section(tokens, index + 3))
        duration = fields.get("duration")
        sessions.append(
            Session(
                number=int(heading["number"]),
                date=_or_none(heading["date"]),
                title=_or_none(heading["title"]),
                duration=duration,
                duration_min=parse_minutes(duration) if duration is not None else None,
                goal=fields.get("goal"),
                progress=fields.get("progress"),
                blockers=fields.get("blockers"),
                next=fields.get("next"),
                line=token.map[0] + 1 if token.map else 0,
            )
        )
    return tuple(sessions), tuple(skipped)


def _section(tokens: Sequence[Token], start: int) -> Iterator[Token]:
    """Yield the inline tokens from ``start`` up to the next heading of level 1 to 3."""
    for token in tokens[start:]:
        if token.type == "heading_open" and token.tag in ("h1", "h2", "h3"):
            return
        if token.type == "inline" and token.children is not None:
            yield token


def _fields(blocks: Iterator[Token]) -> dict[str, str]:
    """Map field name to its joined value, from the lines of the section's inline blocks.

    A line starting with a known bold label starts that field; an unlabelled line continues the
    field above it in the same block. A label with nothing after it ("**Progress:**" over a
    list) also takes the following blocks, up to the next label.
    """
    parts: dict[str, list[str]] = {}
    current: str | None = None
    carries_on = False
    for block in blocks:
        if not carries_on:
            current = None
        for line in _lines(block.children or []):
            label, rest = _label(line)
            if label is not None:
                current = label if label in FIELDS else None
                carries_on = current is not None and not _plain(rest).strip()
                line = rest
            if current is not None:
                parts.setdefault(current, []).append(_plain(line).strip())
    joined = {name: " ".join(part for part in values if part) for name, values in parts.items()}
    return {name: value for name, value in joined.items() if value}


def _lines(children: Sequence[Token]) -> Iterator[list[Token]]:
    """Split an inline token's children at soft and hard line breaks."""
    line: list[Token] = []
    for child in children:
        if child.type in _BREAKS:
            yield line
            line = []
        else:
            line.append(child)
    yield line


def _label(line: list[Token]) -> tuple[str | None, list[Token]]:
    """Return (lower-cased label, tokens after it) for a line starting ``**Label:**``, else None."""
    tokens = [t for t in line if not (t.type == "text" and not t.content)]
    if not tokens or tokens[0].type != "strong_open":
        return None, line
    close = next((i for i, t in enumerate(tokens) if t.type == "strong_close"), None)
    if close is None:
        return None, line
    label = _plain(tokens[1:close]).strip()
    rest = tokens[close + 1 :]
    if label.endswith(":"):
        return label[:-1].strip().lower(), rest
    if rest and rest[0].type == "text" and rest[0].content.lstrip().startswith(":"):
        after = Token("text", "", 0, content=rest[0].content.lstrip()[1:])
        return label.lower(), [after, *rest[1:]]
    return None, line


def _plain(tokens: Sequence[Token]) -> str:
    """The text of inline tokens without their Markdown markup."""
    return "".join(
        " " if t.type in _BREAKS else t.content
        for t in tokens
        if t.type in ("text", "code_inline", "html_inline", *_BREAKS)
    )


def _or_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None
