import pytest

from paperkit.logs.durations import parse_minutes


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("20min", 20.0),
        ("2 min", 2.0),
        ("5 min", 5.0),
        ("45 minutes", 45.0),
        ("30 mins", 30.0),
        ("1 minute", 1.0),
        ("2 hours", 120.0),
        ("1 hour debugging + tuning", 60.0),
        ("2 hours testing different models", 120.0),
        ("1h30m", 90.0),
        ("1h 30m", 90.0),
        ("1H30M", 90.0),
        ("1 hour and 30 minutes", 90.0),
        ("1 hour, 15 minutes", 75.0),
        ("1.5h", 90.0),
        ("1 hr", 60.0),
        ("2 hrs", 120.0),
        ("90s", 1.5),
        ("90 sec", 1.5),
        ("30 seconds", 0.5),
        ("1m30s", 1.5),
        ("~20 min", 20.0),
        ("~ 20 min", 20.0),
        ("  45 minutes  ", 45.0),
        ("45 minutes.", 45.0),
        ("45", 45.0),
        ("12.5", 12.5),
        (" 7 ", 7.0),
        ("0", 0.0),
        (20, 20.0),
        (1.5, 1.5),
    ],
)
def test_reads_duration(text, minutes):
    assert parse_minutes(text) == minutes


@pytest.mark.parametrize(
    "text",
    [
        "a while",
        "1-2 hours",
        "1 - 2 hours",
        "1h-2h",
        "",
        "   ",
        "-5",
        "-5 min",
        -5,
        True,
        False,
        None,
        float("nan"),
        float("inf"),
        [20],
        "Active",
        "about 20 min",
        "30m 1h",  # units out of order
        "1h 1h",
        "1h30",  # trailing number without a unit
        "2 hours, then 30 min",
        "2 hours testing 5 models",  # a further number would need a guess
        "90ms",
        "2 hoursish",
        "20 prompts",
    ],
)
def test_refuses_what_it_cannot_read(text):
    assert parse_minutes(text) is None
