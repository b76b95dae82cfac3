"""Generated blocks in PAPER.md: hashing, parsing, and merging a rebuild into a hand-edited file.

Expected documents are spelled out here with their own sha computed by hashlib, not by
``paperkit.paper.blocks``, so a wrong hash or a wrong marker in the module cannot hide itself.
"""

from __future__ import annotations

import hashlib

import pytest

from paperkit.errors import PaperkitError
from paperkit.paper.blocks import NoAnchorError, block_hash, merge, parse, wrap


def sha(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()[:8]


def block(name: str, content: str, recorded: str | None = None, nl: str = "\n") -> str:
    """A block written out by hand; ``recorded`` is the content its sha was taken of."""
    recorded = content if recorded is None else recorded
    end = f"<!-- paperkit:end {name} sha={sha(recorded)} -->\n"
    return (f"<!-- paperkit:begin {name} -->\n" + content + end).replace("\n", nl)


def test_block_hash_is_the_sha256_prefix_with_crlf_read_as_lf() -> None:
    # printf 'hello\n' | sha256sum -> 5891b5b522d5df08...; printf '' | sha256sum -> e3b0c442...
    assert block_hash("hello\n") == "5891b5b5"
    assert block_hash("") == "e3b0c442"
    assert block_hash("hello\r\n") == "5891b5b5"
    assert block_hash("a\r\nb\r\n") == sha("a\nb\n")


def test_wrap_writes_both_markers_and_ends_content_with_a_newline() -> None:
    expected = (
        "<!-- paperkit:begin summary -->\nhello\n<!-- paperkit:end summary sha=5891b5b5 -->\n"
    )
    assert wrap("summary", "hello\n") == expected
    assert wrap("summary", "hello") == expected
    assert wrap("x", "") == "<!-- paperkit:begin x -->\n<!-- paperkit:end x sha=e3b0c442 -->\n"


@pytest.mark.parametrize(
    ("name", "content"),
    [("Summary", "x\n"), ("_x", "x\n"), ("a b", "x\n"), ("a", "<!-- paperkit:end a -->\n")],
)
def test_wrap_refuses_what_would_not_parse(name: str, content: str) -> None:
    with pytest.raises(ValueError):
        wrap(name, content)


def test_parse_finds_blocks_with_their_line_numbers_and_keeps_every_byte() -> None:
    text = "intro\n" + wrap("a", "one\n") + "middle\n" + wrap("b.2", "two\nthree\n") + "outro"
    document = parse(text, "PAPER.md")
    # Lines: 1 intro, 2-4 block a, 5 middle, 6-9 block b.2, 10 outro (no final newline).
    a, b = document.blocks
    assert (a.name, a.begin_line, a.end_line, a.content) == ("a", 2, 4, "one\n")
    assert (b.name, b.begin_line, b.end_line, b.content) == ("b.2", 6, 9, "two\nthree\n")
    assert (a.recorded_sha, b.recorded_sha) == (sha("one\n"), sha("two\nthree\n"))
    assert not a.edited and not b.edited
    assert document.segments == ("intro\n", a, "middle\n", b, "outro")
    assert document.text == text


def test_parse_accepts_trailing_spaces_and_carriage_returns_on_markers() -> None:
    text = "<!-- paperkit:begin a -->  \r\nx\n" + END_A.replace("\n", " \t\n")
    (only,) = parse(text, "PAPER.md").blocks
    assert only.content == "x\n" and not only.edited
    assert parse(text, "PAPER.md").text == text


def test_a_changed_content_is_an_edit_but_crlf_alone_is_not() -> None:
    (edited,) = parse(block("a", "mine\n", recorded="theirs\n"), "PAPER.md").blocks
    (crlf,) = parse(block("a", "x\ny\n", nl="\r\n"), "PAPER.md").blocks
    assert edited.edited
    assert crlf.content == "x\r\ny\r\n"
    assert not crlf.edited


def test_an_empty_document_and_one_without_markers_are_plain_text() -> None:
    assert parse("", "PAPER.md").segments == ()
    assert parse("just words\n", "PAPER.md").segments == ("just words\n",)


END_A = "<!-- paperkit:end a sha=" + sha("x\n") + " -->\n"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        # An end without a begin.
        ("words\n" + END_A, 2, "no begin marker"),
        # A begin without an end: reported at the begin.
        ("words\n<!-- paperkit:begin a -->\nx\n", 2, "no end marker"),
        # A begin inside an open block, naming where the open one began.
        ("<!-- paperkit:begin a -->\n<!-- paperkit:begin b -->\nx\n", 2, "(begun on line 1)"),
        # The end names another block than the open one.
        ("<!-- paperkit:begin b -->\nx\n" + END_A, 3, "closes block 'b'"),
        # The same name twice: reported at the second, naming the first.
        (
            "<!-- paperkit:begin a -->\nx\n" + END_A + "t\n" + "<!-- paperkit:begin a -->\n",
            5,
            "first on line 1",
        ),
        # An end marker without a sha, or with one that is not 8 lower-case hex digits.
        ("<!-- paperkit:begin a -->\nx\n<!-- paperkit:end a -->\n", 3, "no sha="),
        ("<!-- paperkit:begin a -->\nx\n<!-- paperkit:end a sha=ABCDEF12 -->\n", 3, "'ABCDEF12'"),
        ("<!-- paperkit:begin a -->\nx\n<!-- paperkit:end a sha=1234 -->\n", 3, "'1234'"),
        # Other lines that look like markers but do not parse.
        ("t\n\n<!-- paperkit:start a -->\n", 3, "cannot read this paperkit marker"),
        ("<!-- paperkit:begin Intro -->\n", 1, "cannot read this paperkit marker"),
        ("<!-- paperkit:begin a\n", 1, "cannot read this paperkit marker"),
        ("<!--paperkit:begin a-->\n", 1, "cannot read this paperkit marker"),
        ("t\n    <!-- paperkit:begin a -->\n", 2, "remove the indentation"),
    ],
)
def test_every_malformed_marker_is_an_error_at_its_line(text: str, line: int, words: str) -> None:
    with pytest.raises(PaperkitError) as caught:
        parse(text, "PAPER.md")
    assert (caught.value.path, caught.value.line) == ("PAPER.md", line)
    assert words in caught.value.message


def test_an_error_says_where_and_what_to_do() -> None:
    with pytest.raises(PaperkitError) as caught:
        parse("<!-- paperkit:begin a -->\nx\n", "PAPER.md")
    assert str(caught.value) == (
        "PAPER.md:1: block 'a' has no end marker; restore the marker as paperkit wrote it, or "
        "delete the whole block (both markers and the text between) to have it regenerated"
    )


def test_merge_replaces_blocks_and_keeps_every_byte_around_them() -> None:
    front = "---\ntitle: My run\ntags: [ai]\n---\n"
    existing = (
        front
        + "My own opening.\n\n"
        + block("a", "old a\n")
        + "\nBetween, by hand.\n\n"
        + block("b", "old b\n")
        + "\nTrailing words, no newline"
    )
    generated = "Prompt.\n" + block("a", "new a\n") + "\nPrompt.\n" + block("b", "new b\n")
    result = merge(existing, generated, "PAPER.md")
    assert result.text == (
        front
        + "My own opening.\n\n"
        + "<!-- paperkit:begin a -->\nnew a\n"
        + "<!-- paperkit:end a sha="
        + sha("new a\n")
        + " -->\n"
        + "\nBetween, by hand.\n\n"
        + "<!-- paperkit:begin b -->\nnew b\n"
        + "<!-- paperkit:end b sha="
        + sha("new b\n")
        + " -->\n"
        + "\nTrailing words, no newline"
    )
    assert result.replaced == ("a", "b")
    assert (result.edits, result.orphaned, result.added) == ((), (), ())
    assert result.changed


def test_merge_with_nothing_new_leaves_the_file_as_it_is() -> None:
    existing = "mine\n" + block("a", "same\n") + "mine too\n"
    result = merge(existing, block("a", "same\n"), "PAPER.md")
    assert result.text == existing
    assert not result.changed
    assert result.replaced == ()


def test_a_hand_edit_is_reported_with_its_diff_and_kept() -> None:
    existing = "# Title\n\n" + block("a", "kept\nfixed by hand\n", recorded="kept\nold\n")
    generated = block("a", "kept\nregenerated\n")
    result = merge(existing, generated, "PAPER.md")
    assert result.text == existing
    assert not result.changed
    (edit,) = result.edits
    assert (edit.block.name, edit.block.begin_line) == ("a", 3)
    assert edit.new_content == "kept\nregenerated\n"
    # The content starts on line 4, after the begin marker on line 3.
    assert edit.diff == (
        "--- PAPER.md:4 (block a, as edited)\n"
        "+++ PAPER.md:4 (block a, as regenerated)\n"
        "@@ -1,2 +1,2 @@\n"
        " kept\n"
        "-fixed by hand\n"
        "+regenerated\n"
    )
    assert result.replaced == ()


def test_force_overwrites_a_hand_edit_and_still_reports_it() -> None:
    existing = "# Title\n\n" + block("a", "fixed by hand\n", recorded="old\n") + "after\n"
    result = merge(existing, block("a", "regenerated\n"), "PAPER.md", force=True)
    assert result.text == "# Title\n\n" + block("a", "regenerated\n") + "after\n"
    assert [edit.block.name for edit in result.edits] == ["a"]
    assert result.replaced == ("a",)


def test_an_edit_that_matches_the_regenerated_text_is_not_reported() -> None:
    # Someone edited the block into exactly what paperkit now generates: nothing would be lost,
    # so only the recorded sha is brought up to date.
    existing = block("a", "new\n", recorded="old\n")
    result = merge(existing, block("a", "new\n"), "PAPER.md")
    assert result.edits == ()
    end = "<!-- paperkit:end a sha=" + sha("new\n") + " -->\n"
    assert result.text == "<!-- paperkit:begin a -->\nnew\n" + end


def test_a_crlf_file_stays_crlf_and_its_line_endings_are_not_edits() -> None:
    existing = (
        "Mine.\r\n\r\n" + block("a", "same\n", nl="\r\n") + "\r\n" + block("b", "old\n", nl="\r\n")
    )
    generated = block("a", "same\n") + block("b", "new\nlines\n") + block("c", "added\n")
    result = merge(existing, generated, "PAPER.md")
    assert result.edits == ()
    assert result.text == (
        "Mine.\r\n\r\n"
        + block("a", "same\n", nl="\r\n")
        + "\r\n"
        + block("b", "new\nlines\n", nl="\r\n")
        + "\r\n"
        + block("c", "added\n", nl="\r\n")
    )
    assert result.replaced == ("b",)
    assert result.added == ("c",)


def test_a_new_block_goes_after_the_block_before_it_in_the_generated_paper() -> None:
    existing = "top\n" + block("a", "A\n") + "\nmine\n\n" + block("d", "D\n")
    generated = block("a", "A\n") + block("b", "B\n") + block("c", "C\n") + block("d", "D\n")
    result = merge(existing, generated, "PAPER.md")
    assert result.text == (
        "top\n"
        + block("a", "A\n")
        + "\n"
        + block("b", "B\n")
        + "\n"
        + block("c", "C\n")
        + "\nmine\n\n"
        + block("d", "D\n")
    )
    assert result.added == ("b", "c")


def test_a_new_first_block_goes_before_the_block_after_it() -> None:
    existing = "---\nfront: matter\n---\n" + block("b", "B\n") + "end\n"
    generated = block("a", "A\n") + block("b", "B\n")
    result = merge(existing, generated, "PAPER.md")
    assert result.text == (
        "---\nfront: matter\n---\n" + block("a", "A\n") + "\n" + block("b", "B\n") + "end\n"
    )
    assert result.added == ("a",)


def test_a_new_block_after_a_last_line_without_newline_starts_on_its_own_line() -> None:
    existing = block("a", "A\n").removesuffix("\n")
    result = merge(existing, block("a", "A\n") + block("b", "B\n"), "PAPER.md")
    assert result.text == block("a", "A\n") + "\n" + block("b", "B\n")


def test_a_file_without_markers_is_refused_rather_than_guessed_at() -> None:
    with pytest.raises(NoAnchorError) as caught:
        merge("# My own paper\n\nWords.\n", block("a", "A\n"), "exp/PAPER.md")
    error = caught.value
    assert isinstance(error, PaperkitError)
    assert (error.path, error.line) == ("exp/PAPER.md", 1)
    assert "no paperkit markers" in error.message
    assert "--force" in error.message and "exp/PAPER.md.bak" in error.message


def test_a_file_sharing_no_block_with_the_paper_is_refused() -> None:
    existing = "intro\n" + block("old", "O\n")
    with pytest.raises(NoAnchorError) as caught:
        merge(existing, block("a", "A\n"), "PAPER.md")
    assert caught.value.line == 2
    assert "shares no block with the paper" in caught.value.message


def test_a_block_no_longer_generated_is_kept_and_reported() -> None:
    existing = block("a", "old a\n") + "\n" + block("gone", "G\n", recorded="g\n") + "tail\n"
    result = merge(existing, block("a", "new a\n"), "PAPER.md")
    assert result.text == block("a", "new a\n") + "\n" + block("gone", "G\n", "g\n") + "tail\n"
    (orphan,) = result.orphaned
    assert (orphan.name, orphan.begin_line, orphan.content) == ("gone", 5, "G\n")
    assert result.edits == ()


def test_an_error_in_the_existing_file_is_reported_against_it() -> None:
    with pytest.raises(PaperkitError) as caught:
        merge("x\n<!-- paperkit:begin a -->\n", block("a", "A\n"), "PAPER.md")
    assert (caught.value.path, caught.value.line) == ("PAPER.md", 2)


@pytest.mark.parametrize("nl", ["\n", "\r\n"])
@pytest.mark.parametrize("force", [False, True])
def test_merging_twice_gives_what_merging_once_gave(nl: str, force: bool) -> None:
    existing = (
        "intro"
        + nl
        + block("a", "old\n", nl=nl)
        + block("b", "hand\n", recorded="b\n", nl=nl)
        + block("gone", "G\n", nl=nl)
        + "outro"
    )
    generated = block("z", "Z\n") + block("a", "new\n") + block("b", "B\n") + block("c", "C\n")
    once = merge(existing, generated, "PAPER.md", force=force)
    twice = merge(once.text, generated, "PAPER.md", force=force)
    assert once.changed
    assert twice.text == once.text
    assert not twice.changed
    assert twice.added == ()
