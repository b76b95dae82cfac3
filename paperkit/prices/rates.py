"""Cloudflare service list prices (Workflows, D1, KV, R2), read from the one data file.

The same file holds the free allowances of each plan; ``paperkit.prices.allowances`` reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import yaml

# The usage fields of each service that carry a price, in the order the paper lists them.
SERVICE_FIELDS: dict[str, tuple[str, ...]] = {
    "workflows": ("invocation", "cpu_ms"),
    "d1": ("rows_read", "rows_written"),
    "kv": ("reads", "writes", "deletes", "lists"),
    "r2": ("class_a_ops", "class_b_ops"),
}


@dataclass(frozen=True)
class ServiceRates:
    """List prices of one service: USD per million of each usage field, and where they come from."""

    service: str
    per_m: dict[str, float]
    source: str


@dataclass(frozen=True)
class Rates:
    """Every service's rates, keyed by service name (workflows, d1, kv, r2)."""

    services: dict[str, ServiceRates]

    def __getitem__(self, service: str) -> ServiceRates:
        return self.services[service]


def rates_data() -> dict[str, Any]:
    """Return ``paperkit/prices/cloudflare-rates.yaml`` as parsed YAML.

    The one reader of the data file: ``load_rates`` takes the list prices from it, and
    ``paperkit.prices.allowances`` the free allowances of each plan.
    """
    text = files("paperkit.prices").joinpath("cloudflare-rates.yaml").read_text(encoding="utf-8")
    raw: dict[str, Any] = yaml.safe_load(text)
    return raw


def load_rates() -> Rates:
    """Return the service rates shipped in ``paperkit/prices/cloudflare-rates.yaml``."""
    raw = rates_data()
    sources: dict[str, str] = raw["sources"]
    services = {}
    for name, fields in SERVICE_FIELDS.items():
        entry = raw["services"][name]
        services[name] = ServiceRates(
            service=name,
            per_m={f: float(entry[f"{f}_per_m"]) for f in fields},
            source=sources[entry["source"]],
        )
    return Rates(services)


# How the paper and the costs command name each usage field a rate applies to.
FIELD_WORDS = {
    "invocation": "invocations",
    "cpu_ms": "CPU-ms",
    "rows_read": "rows read",
    "rows_written": "rows written",
    "reads": "reads",
    "writes": "writes",
    "deletes": "deletes",
    "lists": "lists",
    "class_a_ops": "Class A operations",
    "class_b_ops": "Class B operations",
}
