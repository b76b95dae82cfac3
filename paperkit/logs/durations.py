"""Free-text durations from experiment logs (``"20min"``, ``"1h30m"``) as minutes.

The logs write durations by hand, so this reads the common spellings and refuses the rest:
a range such as ``"1-2 hours"`` or a phrase such as ``"a while"`` gives ``None``, never a guess.
"""

from __future__ import annotations

import math
import re

_MINUTES_PER_UNIT = {"h": 60.0, "m": 1.0, "s": 1 / 60}

# One "<number> <unit>" part; the unit must not run on into a longer word ("2 minsk").
_PART = re.compile(
    r"\s*(?P<number>\d+(?:\.\d+)?|\.\d+)\s*"
    r"(?P<unit>hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)(?![a-z])",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?|\.\d+")
# Between parts: "1 hour, 30 min", "1 hour and 30 minutes".
_SEPARATOR = re.compile(r"\s*(?:,|and\b)?", re.IGNORECASE)


def parse_minutes(value: object) -> float | None:
    """Return ``value`` as minutes, or None when it is not a duration paperkit can read.

    A JSON number or a bare numeric string counts as minutes. Text is one to three
    ``<number><unit>`` parts in falling order (hours, minutes, seconds), optionally after ``~``,
    optionally followed by words: ``"45 minutes"``, ``"1h 30m"``, ``"1.5h"``, ``"90s"``,
    ``"2 hours testing different models"``. Negative values, booleans and ranges give None.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        minutes = float(value)
        return minutes if math.isfinite(minutes) and minutes >= 0 else None
    if not isinstance(value, str):
        return None
    text = value.strip().removeprefix("~").strip()
    minutes = float(text) if _NUMBER.fullmatch(text) else _parse_parts(text)
    # A digit string too long for a float ("1" and 400 zeros) reads as infinity: no duration.
    return minutes if minutes is None or math.isfinite(minutes) else None


def _parse_parts(text: str) -> float | None:
    """Sum the ``<number><unit>`` parts at the start of ``text``; None if anything is off."""
    total = 0.0
    position = 0
    last_rank = -1
    ranks = list(_MINUTES_PER_UNIT)
    while match := _PART.match(text, _SEPARATOR.match(text, position).end() if position else 0):
        unit = match["unit"][0].lower()
        rank = ranks.index(unit)
        if rank <= last_rank:  # "30m 1h" or "1h 1h": not a way anyone writes a duration
            return None
        last_rank = rank
        total += float(match["number"]) * _MINUTES_PER_UNIT[unit]
        position = match.end()
    # Words may follow ("1 hour debugging + tuning"), further numbers may not: "2 hours,
    # then 30 min" or "1h30" would need a guess.
    if position == 0 or any(char.isdigit() for char in text[position:]):
        return None
    return total
