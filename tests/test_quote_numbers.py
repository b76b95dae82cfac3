"""Quoting the numbers of text columns line by line gives the bytes a whole-file rewrite gives."""

from __future__ import annotations

import random
import re

from paperkit.logs.jsonl import _quote_numbers

COLUMNS = ["cost_estimate", "model", "execution_id"]


def whole_file(data: bytes) -> bytes:
    """The reference: one regex substitution over the whole file (what paperkit did before)."""
    names = b"|".join(re.escape(n.encode()) for n in COLUMNS)
    number = rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"
    pattern = re.compile(
        rb'([{,][ \t]*"(?:' + names + rb')"[ \t]*:[ \t]*)(' + number + rb")(?=[ \t]*[,}])"
    )
    return pattern.sub(rb'\1"\2"', data)


PIECES = [
    '{"cost_estimate":0.01,"model":"m"}',
    '{"cost_estimate": -1.5e3 , "execution_id": 12}',
    '{"model":"say \\"cost_estimate\\":5 here","cost_estimate":"$1"}',
    '{"cost_estimate":"0.5"}',
    '{"other":1,"model":7}',
    '{"cost_estimate":01}',
    '{"cost_estimate":1.}',
    '{"execution_id":3}{"execution_id":4}',
    "",
    "   ",
    "not json cost_estimate:1",
    '{"cost_estimate":1',
]


def test_line_by_line_matches_the_whole_file_rewrite() -> None:
    rng = random.Random(14)
    for _ in range(300):
        lines = [rng.choice(PIECES) for _ in range(rng.randint(0, 8))]
        ending = rng.choice(["\n", "\r\n"])
        data = (ending.join(lines) + rng.choice(["", ending])).encode()
        assert _quote_numbers(data, COLUMNS) == whole_file(data), data


def test_a_file_without_numbers_in_text_columns_comes_back_as_it_was() -> None:
    data = b'{"cost_estimate":"$0.01"}\n{"latency_ms":5}\n'
    assert _quote_numbers(data, COLUMNS) is data
