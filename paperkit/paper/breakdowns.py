"""The breakdowns a reader asks for: why inferences failed, which errors and interventions cost
the most time, and how many interventions the AI could have done itself.

The paper stage; the grouping is
:mod:`paperkit.measure.series`.
"""

from __future__ import annotations

from typing import Any

from paperkit.logs.load import Logs
from paperkit.measure.series import Group, errors_by_type, interventions_by_answer
from paperkit.paper.wording import count, duration


def _time(group: Group) -> str:
    """Return a group's total time, saying when some of its records logged none."""
    text = duration(group.minutes)
    missing = group.records - group.timed
    return f"{text} ({missing} not logged)" if missing and group.minutes is not None else text


def error_types(logs: Logs) -> list[dict[str, Any]]:
    """Return errors.log by error_type: type, errors and total fix time, most time first."""
    if not logs.files["errors.log"].present:
        return []
    return [
        {"type": g.label, "errors": g.records, "fix_time": _time(g)}
        for g in errors_by_type(logs.errors)
    ]


def intervention_answers(logs: Logs) -> list[dict[str, Any]]:
    """Return the interventions by could_ai_have_done_this: answer, count and total time."""
    if not logs.files["interventions.log"].present:
        return []
    return [
        {"answer": g.label, "interventions": g.records, "time": _time(g)}
        for g in interventions_by_answer(logs.interventions)
    ]


def intervention_summary(logs: Logs) -> str | None:
    """Return one sentence: how many interventions the AI could have done, and their time."""
    if not logs.files["interventions.log"].present or not len(logs.interventions):
        return None
    groups = {g.label: g for g in interventions_by_answer(logs.interventions)}
    total = len(logs.interventions)
    yes, partly = groups.get("yes"), groups.get("partly")
    text = (
        f"The AI could have done {yes.records if yes else 0} of {count(total, 'intervention')} "
        f"itself ({duration(yes.minutes) if yes else '0 min'} of a person's time)"
    )
    if partly:
        text += f", and part of {partly.records} more ({duration(partly.minutes)})"
    return text + ", as logged in could_ai_have_done_this."
