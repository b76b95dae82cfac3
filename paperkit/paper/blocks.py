"""The generated blocks of PAPER.md: the sections paperkit may rewrite, and the text it must not.

A section that comes from data stands between ``<!-- paperkit:begin NAME -->`` and
``<!-- paperkit:end NAME sha=XXXXXXXX -->``, the sha being the first 8 hex digits of the SHA-256
of the content, so a rebuild can tell a block paperkit wrote from one a person edited since.
Text outside blocks is the person's and is kept byte for byte. Text in, text out: the caller
reads and writes the files and decides what to do about hand edits.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field

from paperkit.errors import PaperkitError

_NAME = r"[a-z0-9][a-z0-9_.-]*"
_BEGIN = re.compile(rf"<!--[ \t]+paperkit:begin[ \t]+(?P<name>{_NAME})[ \t]+-->")
_END = re.compile(
    rf"<!--[ \t]+paperkit:end[ \t]+(?P<name>{_NAME})[ \t]+sha=(?P<sha>[0-9a-f]{{8}})[ \t]+-->"
)
# Wider than the markers themselves, so a damaged or indented marker is an error, never plain
# text that would silently hide a block from the rebuild.
_LOOKS_LIKE = re.compile(r"[ \t]*<!--[ \t]*paperkit:", re.IGNORECASE)
_FIX = (
    "restore the marker as paperkit wrote it, or delete the whole block (both markers and the "
    "text between) to have it regenerated"
)


def block_hash(content: str) -> str:
    """Return the 8 hex digits an end marker records for ``content``.

    CRLF is read as LF first, so a checkout that converts line endings is not a hand edit.
    """
    return hashlib.sha256(_lf(content).encode("utf-8")).hexdigest()[:8]


def wrap(name: str, content: str) -> str:
    """Return ``content`` between the begin and end markers of block ``name``, ending in "\\n".

    Templates build the paper with this, so a freshly generated paper parses like any other.
    Raises ValueError for a bad name or content holding a marker line: a bug, not a user error.
    """
    if not re.fullmatch(_NAME, name):
        raise ValueError(f"block name {name!r} does not match {_NAME}")
    if content and not content.endswith("\n"):
        content += "\n"
    if any(_LOOKS_LIKE.match(line) for line in _lines(content)):
        raise ValueError(f"the content of block {name!r} holds a paperkit marker line")
    return f"<!-- paperkit:begin {name} -->\n{content}{_end_marker(name, content)}\n"


@dataclass(frozen=True)
class Block:
    """One generated block as found in a document; line numbers are 1-based, of the markers."""

    name: str
    begin_line: int
    end_line: int
    content: str
    recorded_sha: str
    # The marker lines exactly as written, line breaks included, so the document rebuilds
    # byte for byte.
    begin_marker: str = field(repr=False)
    end_marker: str = field(repr=False)

    @property
    def edited(self) -> bool:
        """Return True when the content no longer hashes to the recorded sha: a hand edit."""
        return block_hash(self.content) != self.recorded_sha

    @property
    def text(self) -> str:
        """Return the block as it stands in the document, markers included."""
        return self.begin_marker + self.content + self.end_marker


@dataclass(frozen=True)
class Document:
    """A PAPER.md as plain text (str) and blocks (Block), in document order."""

    segments: tuple[str | Block, ...]

    @property
    def blocks(self) -> tuple[Block, ...]:
        """Return the blocks alone, in document order."""
        return tuple(s for s in self.segments if isinstance(s, Block))

    @property
    def text(self) -> str:
        """Return the document's text: exactly the text it was parsed from."""
        return "".join(s if isinstance(s, str) else s.text for s in self.segments)


def parse(text: str, path: str) -> Document:
    """Return ``text`` split into plain text and blocks.

    Raises PaperkitError at the offending line for any marker that does not parse or does not
    pair up, because a rebuild that guessed could overwrite a person's writing.
    """
    segments: list[str | Block] = []
    plain: list[str] = []
    inside: list[str] = []
    seen: dict[str, int] = {}  # block name -> line of its begin marker
    opened: tuple[str, int, str] | None = None  # name, line number, marker line
    for number, line in enumerate(_lines(text), start=1):
        bare = line.rstrip("\n").rstrip(" \t\r")
        if not _LOOKS_LIKE.match(bare):
            (inside if opened else plain).append(line)
            continue
        marker = _BEGIN.fullmatch(bare) or _END.fullmatch(bare)
        if marker is None:
            raise PaperkitError(_diagnose(bare), path, number)
        if problem := _misplaced(marker, opened, seen):
            raise PaperkitError(problem, path, number)
        if marker.re is _BEGIN:
            seen[marker["name"]] = number
            opened, inside = (marker["name"], number, line), []
            segments.extend(["".join(plain)] if plain else [])
            plain = []
        elif opened:
            name, begun, begin = opened
            segments.append(Block(name, begun, number, "".join(inside), marker["sha"], begin, line))
            opened = None
    if opened:
        raise PaperkitError(f"block '{opened[0]}' has no end marker; {_FIX}", path, opened[1])
    segments.extend(["".join(plain)] if plain else [])
    return Document(tuple(segments))


def _misplaced(
    marker: re.Match[str], opened: tuple[str, int, str] | None, seen: dict[str, int]
) -> str | None:
    """Return why a well-formed marker cannot stand where it is, or None when it can."""
    name, begin = marker["name"], marker.re is _BEGIN
    if begin and opened:
        return (
            f"block '{name}' begins inside block '{opened[0]}' (begun on line {opened[1]}) and "
            f"blocks cannot nest: the end marker of '{opened[0]}' is probably missing; {_FIX}"
        )
    if begin and name in seen:
        return (
            f"block '{name}' appears a second time (first on line {seen[name]}); delete one of "
            "the two, both markers and the text between"
        )
    if not begin and opened is None:
        return f"end marker of block '{name}' has no begin marker above it; {_FIX}"
    if not begin and opened and name != opened[0]:
        return (
            f"end marker of block '{name}' closes block '{opened[0]}' (begun on line "
            f"{opened[1]}); {_FIX}"
        )
    return None


@dataclass(frozen=True)
class Edit:
    """A block changed by hand since paperkit wrote it, and what a rebuild would put there.

    ``diff`` is a unified diff from the edited content to ``new_content``.
    """

    block: Block
    new_content: str
    diff: str


@dataclass(frozen=True)
class Merge:
    """The rebuilt text of a PAPER.md and what the rebuild did, for the caller to report."""

    text: str
    edits: tuple[Edit, ...]  # hand-edited blocks: kept, unless merged with force=True
    orphaned: tuple[Block, ...]  # blocks paperkit no longer generates: kept as they are
    added: tuple[str, ...]  # names of the blocks inserted
    replaced: tuple[str, ...]  # names of the blocks rewritten
    changed: bool  # whether text differs from the existing document


class NoAnchorError(PaperkitError):
    """The existing PAPER.md shares no block with the generated paper, so nothing can be placed.

    The caller may catch it under ``--force`` to save the old file aside and write a new one.
    """


def merge(existing: str, generated: str, path: str, *, force: bool = False) -> Merge:
    """Return ``existing`` with its blocks brought up to date from ``generated``.

    Text outside blocks is kept byte for byte; blocks edited by hand are reported as edits and
    kept unless ``force``; blocks new in ``generated`` go next to their neighbours there; blocks
    ``generated`` no longer has are kept and reported. Raises NoAnchorError when ``existing``
    has no block to place new ones by, rather than guess.
    """
    old = parse(existing, path)
    new = parse(generated, f"{path} (as generated)")
    present = {b.name for b in old.blocks}
    newline = "\r\n" if re.match(r"[^\n]*\r\n", existing) else "\n"
    fresh = {b.name: _lf(b.content).replace("\n", newline) for b in new.blocks}
    if not present & fresh.keys():
        what = "shares no block with the paper" if present else "has no paperkit markers"
        message = (
            f"this file {what}, so paperkit will not guess where to write the paper; move it "
            f"aside, or pass --force to save it as {path}.bak and write a new one"
        )
        raise NoAnchorError(message, path, old.blocks[0].begin_line if present else 1)
    before, after = _insertions(new, present, newline)
    edits: list[Edit] = []
    replaced: list[str] = []
    parts: list[str] = []
    for segment in old.segments:
        if isinstance(segment, str):
            parts.append(segment)
            continue
        block = segment
        parts.extend(before.get(block.name, []))
        content = fresh.get(block.name)
        edited = block.edited and content is not None and _lf(block.content) != _lf(content)
        if edited:
            edits.append(Edit(block, content, _diff(block, content, path)))
        unchanged = block.content == content and not block.edited
        if content is None or unchanged or (edited and not force):
            parts.append(block.text)
        else:
            ending = block.end_marker[len(block.end_marker.rstrip("\r\n")) :]
            parts.append(block.begin_marker + content + _end_marker(block.name, content) + ending)
            replaced.append(block.name)
        if block.name in after and not block.end_marker.endswith("\n"):
            parts.append(newline)
        parts.extend(after.get(block.name, []))
    text = "".join(parts)
    orphaned = tuple(b for b in old.blocks if b.name not in fresh)
    added = tuple(name for name in fresh if name not in present)
    return Merge(text, tuple(edits), orphaned, added, tuple(replaced), text != existing)


def _insertions(
    new: Document, present: set[str], newline: str
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Return the new blocks to write before and after each existing block, by its name.

    A new block follows the nearest block before it in the generated paper that the file has,
    or else precedes the nearest one after it; a blank line separates it from its neighbour.
    """
    names = [b.name for b in new.blocks]
    before: dict[str, list[str]] = {}
    after: dict[str, list[str]] = {}
    for i, block in enumerate(new.blocks):
        if block.name in present:
            continue
        text = wrap(block.name, _lf(block.content)).replace("\n", newline)
        if preceding := next((n for n in reversed(names[:i]) if n in present), None):
            after.setdefault(preceding, []).append(newline + text)
        else:  # merge made sure the file has one of the generated blocks, so one follows
            following = next(n for n in names[i + 1 :] if n in present)
            before.setdefault(following, []).append(text + newline)
    return before, after


def _diff(block: Block, new_content: str, path: str) -> str:
    """Return the unified diff a person needs to see before their edit of ``block`` is lost."""
    label = f"{path}:{block.begin_line + 1} (block {block.name}, as"
    old, new = _lines(_lf(block.content)), _lines(_lf(new_content))
    return "".join(difflib.unified_diff(old, new, f"{label} edited)", f"{label} regenerated)"))


def _diagnose(bare: str) -> str:
    """Return what is wrong with a line that looks like a paperkit marker but is not one."""
    stripped = bare.lstrip(" \t")
    if stripped != bare:
        return "a paperkit marker must start at the beginning of its line; remove the indentation"
    words = re.sub(r"^<!--\s*paperkit:|-->$", "", stripped, flags=re.IGNORECASE).split()
    kind, name = [*words, "", ""][:2]
    sha = next((word.removeprefix("sha=") for word in words if word.startswith("sha=")), None)
    if kind == "end" and re.fullmatch(_NAME, name) and sha is None:
        problem = f"the end marker of block '{name}' has no sha=XXXXXXXX"
    elif kind == "end" and re.fullmatch(_NAME, name) and not re.fullmatch("[0-9a-f]{8}", sha or ""):
        problem = f"the end marker of block '{name}' has sha={sha!r}: not 8 lower-case hex digits"
    else:
        problem = (
            "cannot read this paperkit marker, which must read '<!-- paperkit:begin NAME -->' or "
            "'<!-- paperkit:end NAME sha=XXXXXXXX -->', NAME being lower-case letters, digits, "
            "'_', '.' and '-'"
        )
    return f"{problem}; {_FIX}"


def _end_marker(name: str, content: str) -> str:
    """Return the end marker line of block ``name`` holding ``content``, without a line break."""
    return f"<!-- paperkit:end {name} sha={block_hash(content)} -->"


def _lf(text: str) -> str:
    """Return ``text`` with CRLF line breaks read as LF."""
    return text.replace("\r\n", "\n")


def _lines(text: str) -> list[str]:
    """Return the lines of ``text``, each with its "\\n"; only "\\n" ends a line, as in editors."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
