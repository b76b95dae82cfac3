"""Workers AI priced from the neurons Cloudflare counted, beside the logged calls' token price.

Workers AI bills neurons ($0.011 per 1,000, ``neurons.usd_per_1000`` of
``cloudflare-rates.yaml``); per-model token prices are Cloudflare's conversion of them. With
``billing.apply_allowances`` the plan's free neurons of each UTC day ("All limits reset daily
at 00:00 UTC") are taken off first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from paperkit.measure.stats import sum_known
from paperkit.prices.allowances import Allowance
from paperkit.prices.pricing import PRICE_DATA, SPEC


@dataclass(frozen=True)
class ModelCost:
    """One model's neurons and their cost, beside the token-priced cost of its logged calls.

    ``not_token_priced`` counts the logged calls with no token price (their cost is not in
    ``token_usd``, which is then a lower bound).
    """

    model: str
    neurons: float | None
    neuron_usd: float | None
    token_usd: float | None
    not_token_priced: int


def model_costs(
    ai: pd.DataFrame, cf: pd.DataFrame, neurons_known: bool, rate: float
) -> tuple[ModelCost, ...]:
    """Return each model's neurons and their cost beside the token-priced cost of its calls.

    ``ai`` is the priced worker-ai frame, ``cf`` the imported Workers AI groups; a call counts
    as token-priced when its cost comes from a token price (price data or the spec).
    """
    priced = ai["cost_source"].isin([PRICE_DATA, SPEC])
    models = sorted(set(ai["model"].dropna().astype(str)) | set(cf["model"].astype(str)))
    rows = []
    for model in models:
        mine = ai["model"] == model
        neurons = sum_known(cf.loc[cf["model"] == model, "neurons"]) if neurons_known else None
        if neurons_known and neurons is None:
            neurons = 0.0
        token_usd = sum_known(ai.loc[mine & priced, "cost_usd"])
        if token_usd is None and mine.any() and not (mine & ~priced).any():
            token_usd = 0.0
        rows.append(
            ModelCost(
                model,
                neurons,
                None if neurons is None else neurons * rate,
                token_usd,
                int((mine & ~priced).sum()),
            )
        )
    return tuple(rows)


def after_allowance(
    cf: pd.DataFrame, allowance: Allowance, rate: float
) -> tuple[float, float | None]:
    """Return the neuron cost once the free neurons of each UTC day are taken off, and on a
    plan that refuses usage past them (the Free plan) the neurons past them (then nothing is
    charged)."""
    per_day = cf.groupby(cf["period"].dt.date)["neurons"].sum()  # periods are UTC hours
    past = np.maximum(per_day.to_numpy(dtype=float) - allowance.amount, 0.0)
    if allowance.beyond == "fails":
        return 0.0, float(past.sum())
    return float(past.sum()) * rate, None
