"""The records ``paperkit log``, the tracker and the importers write: kinds, fields and checks.

Each kind of record goes to one file of the experiment's folder. Which fields a kind has is the
layout ``paperkit.logs.load`` reads (a test keeps the two in step); which type a field has comes
from the reader's own tables (``paperkit.logs.fields``: ``NUMBERS``, ``MONEY``, ``DURATIONS``),
so a value that passes here is one the reader takes without a skip or a warning. The writer is
stricter than the reader: it writes one canonical form of each value (whole numbers, money as a
JSON number, timestamps in UTC ending in ``Z``), so what it writes reads back exactly.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from paperkit.errors import PaperkitError
from paperkit.logs import fields as logs
from paperkit.logs.durations import parse_minutes
from paperkit.logs.files import FIRST_YEAR, LAST_YEAR, text_problem
from paperkit.spec.yamlnodes import suggest

ID_FIELD = "paperkit_id"  # set by importers, to recognise a record imported before


@dataclass(frozen=True)
class Kind:
    """A kind of record: its name on the command line, its file, fields (written in this order)."""

    name: str
    file: str
    fields: tuple[str, ...]
    required: tuple[str, ...]
    summary: str
    # Rules between the fields of a checked record, raising PaperkitError (quality only).
    rules: Callable[[dict[str, object], Callable[[str], str]], None] | None = None


def _kind(
    name: str,
    file: str,
    fields: str,
    summary: str,
    required: str = "",
    rules: Callable[[dict[str, object], Callable[[str], str]], None] | None = None,
) -> Kind:
    fields_ = ("timestamp", *fields.split())
    return Kind(name, file, fields_, tuple(required.split()), summary, rules)


def _judgement(record: dict[str, object], label: Callable[[str], str]) -> None:
    """The reader's quality.jsonl rules (``paperkit.logs.judgements``), as errors for the writer."""
    score, low, high = record.get("score"), record.get("min"), record.get("max")
    if "preference" in record and "baseline" not in record:
        raise PaperkitError(f"{label('baseline')}: missing; name the model compared with")
    if "preference" not in record and score is None:
        message = f"a judgement needs {label('score')} (with {label('min')} and {label('max')})"
        raise PaperkitError(f"{message} or {label('preference')}")
    if score is None:
        return
    if low is None or high is None:
        missing = label("min") if low is None else label("max")
        raise PaperkitError(f"{missing}: missing; a score needs its scale, such as 1 to 5")
    assert isinstance(score, int | float) and isinstance(low, int | float)
    assert isinstance(high, int | float)
    if low >= high:
        raise PaperkitError(f"{label('min')}: {low} is not below {label('max')} {high}")
    if not low <= score <= high:
        raise PaperkitError(f"{label('score')}: {score} is outside the scale {low} to {high}")


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        _kind(
            "worker-ai",
            "worker-ai.jsonl",
            "iteration model operation input_tokens output_tokens latency_ms success"
            " cost_estimate error context",
            "One Workers AI call.",
            required="model",
        ),
        _kind(
            "workflow",
            "workflows.jsonl",
            "iteration workflow_name execution_id duration_ms steps steps_succeeded steps_failed"
            " cpu_ms success error cost_estimate context",
            "One Workflow execution.",
            required="execution_id",
        ),
        _kind(
            "cloudflare",
            "cloudflare.jsonl",
            "resource operation rows_read rows_written reads writes deletes lists class_a_ops"
            " class_b_ops cost_estimate",
            "One usage record of D1, KV, R2 or another resource.",
        ),
        _kind(
            "cost",
            "cost-breakdown.jsonl",
            "period worker_ai_cost workflows_cost d1_cost kv_cost r2_cost claude_code_cost"
            " total_cost",
            "One period's costs (usually a day), such as the Claude Code cost.",
        ),
        _kind("prompt", "prompts.jsonl", "iteration prompt time_spent", "One prompt (iteration)."),
        _kind(
            "error",
            "errors.log",
            "iteration error_type error_message context my_action fix_time fix_prompts learning",
            "One error met during development.",
        ),
        _kind(
            "intervention",
            "interventions.log",
            "iteration reason what_user_did why_needed could_ai_have_done_this time_spent learning",
            "One manual intervention.",
        ),
        _kind(
            "quality",
            "quality.jsonl",
            "item_id model baseline preference score min max rater rubric blind notes",
            "One quality judgement: a score, or a preference against a baseline.",
            required="item_id model rater",
            rules=_judgement,
        ),
    )
}

# What to write for each type of field, in error messages and help texts.
EXPECTED = {
    "timestamp": "an ISO 8601 time such as 2025-01-14T09:30:00Z",
    "number": "a whole number, 0 or more, such as 1200",
    "money": "US dollars, 0 or more, such as 0.0135 or $0.0135",
    "duration": "a duration such as 20min, 1h30m or 45 (minutes)",
    "success": "true or false",
    "flag": "true or false",
    "score": "a number such as 4 or 3.5",
    "preference": "model, baseline or tie",
    "text": "text",
}
_REQUIRED_HINTS = {
    "model": "the model's name, such as @cf/meta/llama-3.1-8b-instruct",
    "execution_id": "the Workflow instance's id, such as exec_def456",
    "item_id": "the id of the item judged, such as doc-01",
    "rater": "who judged: a person's id, or llm:MODEL for an LLM judge",
}
# The forms of docs/logs.md "Timestamps"; a fraction of up to 6 digits (what datetime keeps).
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_WHOLE = re.compile(r"\d{1,16}")  # past 2**53 a float64, as the reader holds it, is not exact
_LARGEST = 2**53
_DOLLARS = re.compile(r"\$?(\d+(?:\.\d*)?|\.\d+)")
_MONEY_FIELDS = frozenset(logs.MONEY.values())
_DURATION_FIELDS = frozenset(logs.DURATIONS.values())
_TYPO_CUTOFF = 0.8  # how close an unknown field must be to a known one to be called a typo


def field_type(field: str) -> str:
    """Return the type of ``field`` (a key of ``EXPECTED``), decided by the reader's tables."""
    if field in ("timestamp", "success", "preference"):
        return field
    if field in logs.FLAGS:
        return "flag"
    if field in logs.NUMBERS:
        return "number"
    if field in logs.SIGNED:
        return "score"
    if field in _MONEY_FIELDS:
        return "money"
    if field in _DURATION_FIELDS:
        return "duration"
    return "text"


def kind_named(name: str) -> Kind:
    """Return the kind called ``name``; an unknown name is an error naming the close one."""
    if name in KINDS:
        return KINDS[name]
    raise PaperkitError(f"unknown kind '{name}'; {suggest(name, KINDS)}")


def build_record(
    kind: Kind,
    values: Mapping[str, object],
    *,
    label: Callable[[str], str] = str,
    now: datetime | None = None,
) -> dict[str, object]:
    """Return the checked record for ``values``: canonical values, in the kind's field order.

    A value of ``None`` counts as absent. ``timestamp`` defaults to ``now`` (default: the current
    time), in UTC. Fields the kind does not know are kept after the known ones, unless the name
    is so close to a known field that it must be a typo (``input_token``, ``inputTokens``).
    ``label`` names a field in messages (the CLI passes its option name). Raises
    ``PaperkitError`` for the first problem, saying what to write instead.
    """
    given = {name: value for name, value in values.items() if value is not None}
    known = set(kind.fields)
    for name in given:
        if name not in known and (close := _typo_of(name, kind.fields)):
            raise PaperkitError(f"{label(name)}: unknown field; did you mean '{label(close)}'?")
    given.setdefault("timestamp", now or datetime.now(UTC).replace(microsecond=0))
    for name in kind.required:
        if _blank(given.get(name)):
            hint = _REQUIRED_HINTS.get(name, EXPECTED[field_type(name)])
            raise PaperkitError(f"{label(name)}: missing; write {hint}")
    record = {name: _checked(name, given[name], label) for name in kind.fields if name in given}
    if kind.rules is not None:
        kind.rules(record, label)
    for name, value in given.items():
        if name not in known:
            record[name] = _extra(name, value, label)
    return record


def encode(record: Mapping[str, object]) -> bytes:
    """Return ``record`` as one JSONL line (UTF-8, compact, ending in a newline)."""
    try:
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return (text + "\n").encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: escaped, the line stays valid UTF-8
        return (json.dumps(record, separators=(",", ":"), allow_nan=False) + "\n").encode()


def format_time(moment: datetime) -> str:
    """Return ``moment`` in UTC as ``2025-01-14T09:30:00Z`` (naive means UTC, as in the reader).

    A fraction of a second is kept: three digits when it is whole milliseconds, else six.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if moment.utcoffset():
        moment = moment.astimezone(UTC)
    else:
        moment = moment.replace(tzinfo=UTC)  # no arithmetic, so year 1 and 9999 stay in range
    # The year always in four digits: strftime writes year 1 as "1", which no reader takes.
    text = f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}"
    micro = moment.microsecond
    if micro:
        text += f".{micro // 1000:03d}" if micro % 1000 == 0 else f".{micro:06d}"
    return text + "Z"


# --- one value ------------------------------------------------------------------------------


def _checked(field: str, value: object, label: Callable[[str], str]) -> object:
    """Return ``value`` in its canonical form for ``field``; raises when it cannot be used."""
    kind = field_type(field)
    if isinstance(value, str) and (problem := text_problem(value)):
        raise PaperkitError(f"{label(field)}: {problem}")
    result = _CONVERTERS[kind](value)
    if kind == "timestamp" and result is not None and not _in_years(result):
        raise PaperkitError(
            f"{label(field)}: {_shown(value)} is outside the years {FIRST_YEAR} to {LAST_YEAR} "
            "that paperkit can read"
        )
    if result is None:
        raise PaperkitError(f"{label(field)}: expected {EXPECTED[kind]}; got {_shown(value)}")
    return result


def _in_years(stamp: object) -> bool:
    return isinstance(stamp, str) and FIRST_YEAR <= int(stamp[:4]) <= LAST_YEAR


def _timestamp(value: object) -> str | None:
    if isinstance(value, datetime):
        try:
            return format_time(value)
        except OverflowError:
            return None
    if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value.strip()):
        return None
    try:
        return format_time(datetime.fromisoformat(value.strip()))
    except (ValueError, OverflowError):  # "2025-02-30", or year 1 at +01:00 (before year 1)
        return None


def _number(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= _LARGEST else None
    if isinstance(value, float):
        whole = math.isfinite(value) and value.is_integer()
        return int(value) if whole and 0 <= value <= _LARGEST else None
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        number = int(value.strip())
        return number if number <= _LARGEST else None
    return None


def _money(value: object) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):  # an int of 400 digits is past what a float can hold
        return value if 0 <= value <= _LARGEST else None
    if isinstance(value, float):
        return value if math.isfinite(value) and value >= 0 else None
    if isinstance(value, str) and (match := _DOLLARS.fullmatch(value.strip())):
        dollars = float(match[1])
        return dollars if math.isfinite(dollars) else None
    return None


def _duration(value: object) -> str | int | float | None:
    if isinstance(value, str):
        return value if value.strip() and parse_minutes(value) is not None else None
    return value if parse_minutes(value) is not None else None


def _success(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"true": True, "false": False}.get(value.strip().lower())
    return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _score(value: object) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _preference(value: object) -> str | None:
    word = value.strip().lower() if isinstance(value, str) else None
    return word if word in logs.PREFERENCES else None


_CONVERTERS: dict[str, Callable[[object], object]] = {
    "timestamp": _timestamp,
    "number": _number,
    "money": _money,
    "duration": _duration,
    "success": _success,
    "flag": _success,
    "score": _score,
    "preference": _preference,
    "text": _text,
}


def _extra(name: str, value: object, label: Callable[[str], str]) -> object:
    """Return a field the kind does not know, after checking that JSON can hold it."""
    try:
        json.dumps(value, allow_nan=False, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError, RecursionError):
        raise PaperkitError(f"{label(name)}: expected a JSON value; got {_shown(value)}") from None
    return value


def _typo_of(name: str, fields: tuple[str, ...]) -> str | None:
    """Return the known field ``name`` is a near miss of (ignoring case and ``_``), if any."""
    squashed = {field.replace("_", ""): field for field in fields}
    close = difflib.get_close_matches(
        name.lower().replace("_", ""), squashed, n=1, cutoff=_TYPO_CUTOFF
    )
    return squashed[close[0]] if close else None


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown(value: object) -> str:
    """A value as a message shows it: text in quotes, other values as JSON; cut to 60 chars."""
    if isinstance(value, str):
        text = f"'{value}'".encode("utf-8", "backslashreplace").decode("utf-8")
    elif isinstance(value, datetime):
        text = f"'{value.isoformat()}'"
    elif isinstance(value, int) and value.bit_length() > 200:  # str() refuses past 4,300 digits
        text = f"a whole number of about {round(value.bit_length() * math.log10(2))} digits"
    else:
        try:
            text = json.dumps(value, ensure_ascii=True)
        except (TypeError, ValueError, RecursionError):
            try:
                text = repr(value)
            except (ValueError, RecursionError):
                text = f"a value of type {type(value).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."
