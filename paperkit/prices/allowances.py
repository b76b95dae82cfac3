"""A Cloudflare plan's free allowances, taken off list-priced usage in time order.

``paperkit costs`` can show what the invoice would say, when ``experiments.yaml`` opts in with
``billing: {plan: paid, apply_allowances: true}``; the paper always keeps list prices. Every
number comes from the ``allowances`` section of ``paperkit/prices/cloudflare-rates.yaml``, with its
source. An allowance is free usage of one field per period: a UTC day, a UTC calendar month, or
each invocation on its own. Within a period it is consumed in time order (the first usage of
the period uses it up first); only what is past it is charged, at list price.

Workers AI's allowance is in Neurons, which the logs do not record (calls are priced by tokens,
and Cloudflare's token prices are its conversion of Neuron prices). It is converted to dollars at
the Neuron price, $0.011 per 1,000 Neurons, so 10,000 free Neurons take $0.11 a UTC day off the
calls' known costs, in time order, never below zero.

Records priced from their logged ``cost_estimate`` keep it (their usage is unknown, so no
allowance can be applied to them, and they consume none). An unpriced record's usage is unknown
too: every later record of the same period may have been charged more, so their cost after
allowances is flagged as a lower bound.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from paperkit.prices.pricing import INVOCATION_ONLY, LIST_PRICE, LOGGED, UNPRICED
from paperkit.prices.rates import FIELD_WORDS, SERVICE_FIELDS, Rates, rates_data

# Columns added to the priced frames by ``apply_allowances``.
AFTER = "after_usd"  # the record's cost after allowances; NaN when unknown
AFTER_LOWER = "after_lower_bound"  # an unpriced record earlier in the period may have used some
OVER = "over_limit"  # usage past an allowance that the plan refuses rather than bills

PERIODS = ("day", "month", "invocation")
_PERIOD_WORDS = {"day": "per UTC day", "month": "per calendar month (UTC)", "invocation": "per run"}
_LABELS = {"workers_ai": "Workers AI", "workflows": "Workflows", "d1": "D1", "kv": "KV", "r2": "R2"}

# Allowances count Neurons, and Workflow invocations as the requests they share with Workers.
_WORDS = {**FIELD_WORDS, "neurons": "Neurons", "invocation": "requests (Workflow invocations)"}


@dataclass(frozen=True)
class Allowance:
    """Free usage of one ``field`` of a service in each period (``per``: day, month, invocation).

    ``beyond`` is what the plan does past it: ``billed`` at list price, or ``fails`` (the Free
    plan refuses the operation).
    """

    service: str
    field: str
    amount: float
    per: str
    beyond: str
    source: str


@dataclass(frozen=True)
class Plan:
    """A plan's allowances, and the Neuron price that turns Workers AI's into dollars."""

    name: str
    allowances: tuple[Allowance, ...]
    usd_per_neuron: float
    neuron_source: str

    def get(self, service: str, field: str) -> Allowance | None:
        """Return the allowance on ``service``'s ``field``, or None when usage is all charged."""
        for allowance in self.allowances:
            if allowance.service == service and allowance.field == field:
                return allowance
        return None

    def neuron_credit(self) -> Allowance | None:
        """Return the Workers AI allowance with ``amount`` in US dollars, or None."""
        neurons = self.get("workers_ai", "neurons")
        if neurons is None:
            return None
        usd = neurons.amount * self.usd_per_neuron
        return Allowance("workers_ai", "usd", usd, neurons.per, neurons.beyond, neurons.source)


def load_plan(name: str) -> Plan:
    """Return the allowances of plan ``name`` (``free`` or ``paid``) from the rates data file.

    Keys are ``FIELD_per_PERIOD: amount``; each entry's ``source`` names its Cloudflare page.
    """
    raw = rates_data()
    sources: dict[str, str] = raw["sources"]
    allowances = []
    for service, entry in raw["allowances"][name].items():
        for key, value in entry.items():
            if key in ("beyond", "source"):
                continue
            field, _, per = key.rpartition("_per_")
            if per not in PERIODS:
                raise ValueError(f"cloudflare-rates.yaml: allowances.{name}.{service}.{key}")
            source = sources[entry["source"]]
            allowances.append(Allowance(service, field, float(value), per, entry["beyond"], source))
    neurons = raw["neurons"]
    usd_per_neuron = float(neurons["usd_per_1000"]) / 1000
    return Plan(name, tuple(allowances), usd_per_neuron, sources[neurons["source"]])


def apply_allowances(
    plan: Plan, ai: pd.DataFrame, wf: pd.DataFrame, cf: pd.DataFrame, rates: Rates
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return the priced worker-ai, workflows and cloudflare frames with the plan applied.

    Each gets ``after_usd`` (its cost after allowances, NaN when unknown),
    ``after_lower_bound`` and ``over_limit`` (see the module's docstring).
    """
    workflow_usage = {
        "invocation": pd.Series(1.0, index=wf.index),  # one per execution; steps are not
        "cpu_ms": wf["cpu_ms"],
    }
    return (
        _workers_ai(plan, ai),
        _service(plan, "workflows", wf, rates, workflow_usage),
        _cloudflare(plan, cf, rates),
    )


def _workers_ai(plan: Plan, ai: pd.DataFrame) -> pd.DataFrame:
    """Return ``ai`` with the Neuron allowance, in dollars, taken off the known costs."""
    frame = ai.copy()
    cost = frame["cost_usd"]
    known = cost.notna().to_numpy()
    credit = plan.neuron_credit()
    if credit is None:
        after = cost.to_numpy(dtype=float)
        over = np.zeros(len(frame), dtype=bool)
        lower = ~known
    else:
        stamps = frame["timestamp"]
        after = np.where(known, _charged(cost.fillna(0.0), stamps, credit), np.nan)
        lower = _after_unknown(~known, stamps, credit.per)
        over = known & (np.nan_to_num(after) > 0) & (credit.beyond == "fails")
    frame[AFTER] = after
    frame[AFTER_LOWER] = lower
    frame[OVER] = over
    return frame


def _service(
    plan: Plan, service: str, frame: pd.DataFrame, rates: Rates, usage: dict[str, pd.Series]
) -> pd.DataFrame:
    """Return ``frame`` (one service's records) with its usage past the allowances priced."""
    frame = frame.copy()
    source = frame["cost_source"].to_numpy(dtype=object)
    # An invocation-only record's usage is known but for its CPU time: its cost after the
    # allowances is computed like the others', and is a lower bound like its cost.
    partial = source == INVOCATION_ONLY
    listed = (source == LIST_PRICE) | partial
    unknown = source == UNPRICED
    stamps = frame["timestamp"]
    after = np.zeros(len(frame))
    lower = unknown | partial
    over = np.zeros(len(frame), dtype=bool)
    for field in SERVICE_FIELDS[service]:
        # Only list-priced records have a known usage; a field they lack counts as 0.
        used = usage[field].where(listed, 0.0).fillna(0.0)
        allowance = plan.get(service, field)
        if allowance is None:
            charged = used.to_numpy(dtype=float)
        else:
            charged = _charged(used, stamps, allowance)
            # Usage not known in full (unpriced, or CPU time missing) took an unknown part of
            # the allowance: every later record of the period is a lower bound too.
            lower |= _after_unknown(unknown | partial, stamps, allowance.per)
            if allowance.beyond == "fails":
                over |= listed & (charged > 0)
        after += charged * rates[service].per_m[field] / 1_000_000
    logged = frame["cost_usd"].to_numpy(dtype=float)
    frame[AFTER] = np.where(listed, after, np.where(source == LOGGED, logged, np.nan))
    frame[AFTER_LOWER] = lower
    frame[OVER] = over
    return frame


def _cloudflare(plan: Plan, cf: pd.DataFrame, rates: Rates) -> pd.DataFrame:
    """Return ``cf`` with D1, KV and R2 past their allowances; other resources keep their cost."""
    frame = cf.copy()
    after = frame["cost_usd"].to_numpy(dtype=float, copy=True)
    lower = (frame["cost_source"] == UNPRICED).to_numpy(copy=True)
    over = np.zeros(len(frame), dtype=bool)
    for service in ("d1", "kv", "r2"):
        rows = (frame["resource"] == service).to_numpy()
        part = frame[rows]
        usage = {field: part[field] for field in SERVICE_FIELDS[service]}
        done = _service(plan, service, part, rates, usage)
        after[rows] = done[AFTER].to_numpy(dtype=float)
        lower[rows] = done[AFTER_LOWER].to_numpy(dtype=bool)
        over[rows] = done[OVER].to_numpy(dtype=bool)
    frame[AFTER] = after
    frame[AFTER_LOWER] = lower
    frame[OVER] = over
    return frame


def _charged(used: pd.Series, stamps: pd.Series, allowance: Allowance) -> np.ndarray:
    """Return the part of each record's usage past the allowance, consumed in time order.

    Within each period the running total of usage, less the allowance (never below zero), is
    what has been charged so far; a record is charged the increase it brings.
    """
    values = used.to_numpy(dtype=float)
    if allowance.per == "invocation":
        return np.clip(values - allowance.amount, 0.0, None)
    running, key, order = _running(values, stamps, allowance.per)
    past = pd.Series(np.clip(running - allowance.amount, 0.0, None))
    before = past.groupby(key).shift(1, fill_value=0.0).to_numpy()
    charged = np.empty(len(values))
    charged[order] = past.to_numpy() - before
    return charged


def _after_unknown(unknown: np.ndarray, stamps: pd.Series, per: str) -> np.ndarray:
    """Return which records come at or after an unknown-usage record of the same period."""
    if per == "invocation":
        return unknown.copy()
    running, _, order = _running(unknown.astype(float), stamps, per)
    flagged = np.empty(len(unknown), dtype=bool)
    flagged[order] = running > 0
    return flagged


def _running(
    values: np.ndarray, stamps: pd.Series, per: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the running sums of ``values`` within each period, in time order.

    Also returns the period of each sorted record and the order (sorted position -> record),
    so callers can put results back in the records' order. Ties keep the file order.
    """
    moments = stamps.to_numpy(dtype="datetime64[ns]")  # UTC
    order = np.argsort(moments, kind="stable")
    unit = "D" if per == "day" else "M"
    key = moments[order].astype(f"datetime64[{unit}]").astype(np.int64)
    running = pd.Series(values[order]).groupby(key).cumsum().to_numpy()
    return running, key, order


def describe(plan: Plan) -> list[str]:
    """Return one line per service of ``plan``'s allowances, Workers AI's with its conversion.

    Used in the notes under the costs table and in ``--json``, so a reader sees what was
    taken off without opening the data file.
    """
    lines = []
    for service in dict.fromkeys(a.service for a in plan.allowances):
        mine = [a for a in plan.allowances if a.service == service]
        parts = []
        for per in dict.fromkeys(a.per for a in mine):
            amounts = [f"{a.amount:,.0f} {_WORDS[a.field]}" for a in mine if a.per == per]
            parts.append(f"{_joined(amounts)} {_PERIOD_WORDS[per]}")
        text = f"{_LABELS[service]}: {' and '.join(parts)}"
        if service == "workers_ai":
            usd = mine[0].amount * plan.usd_per_neuron
            text += f" (${usd:.2f} at ${plan.usd_per_neuron * 1000:.3f} per 1,000 Neurons)"
        if service == "workflows" and plan.name == "paid":
            text += ", shared with all Workers"
        if mine[0].beyond == "fails":
            text += "; past it, operations fail"
        lines.append(text)
    return lines


def _joined(parts: list[str]) -> str:
    """Return "a", "a and b", "a, b and c"."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
