"""A fake Cloudflare API on 127.0.0.1, for importing without a network.

It answers like the real one (shapes from docs/cloudflare.md): GraphQL POSTs with
``{"data": {"viewer": {"accounts": [{"rows": [...]}]}}, "errors": null}``, introspection of
``__type`` by name, and the Workflows REST endpoints. It really groups, filters (``_geq``,
``_gt``, ``_lt``, ``_leq``, equality, ``AND``/``OR``), orders and limits the raw usage it holds,
so paging bugs in the importer show. ``script`` queues canned answers (status, body) served
before anything else, to act out failures; every request is kept in ``requests``.
"""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

TOKEN = "test-token-Zq9xK2mP7vR4"
ACCOUNT = "acc0123456789abcdef"

# Each dataset's Sum and Dimensions fields in the fake schema.
SCHEMA: dict[str, list[str]] = {
    "AccountAiInferenceAdaptiveGroupsSum": [
        "totalInputTokens",
        "totalOutputTokens",
        "totalRequestBytesIn",
        "totalNeurons",
        "totalInferenceTimeMs",
    ],
    "AccountAiInferenceAdaptiveGroupsDimensions": ["modelId", "datetimeHour", "date"],
}


class FakeCloudflare:
    """The fake API's state: raw usage per dataset, workflow instances, scripted answers."""

    def __init__(self) -> None:
        self.raw: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.schema = {name: list(fields) for name, fields in SCHEMA.items()}
        self.instances: dict[str, list[dict[str, Any]]] = {}
        self.details: dict[str, dict[str, Any]] = {}
        # Canned answers, served first; None answers that one request normally.
        self.script: list[tuple[int, Any] | None] = []
        # Each dataset's settings node (maxPageSize, notOlderThan in seconds); None: no node.
        self.settings: dict[str, dict[str, int] | None] = defaultdict(
            lambda: {"maxPageSize": 10_000, "notOlderThan": 31 * 86_400}
        )
        self.requests: list[dict[str, Any]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, dataset: str, datetime: str, count: float | None = None, **fields: Any) -> None:
        """Add raw usage at ``datetime`` (its hour and date dimensions follow from it)."""
        row = {
            "datetime": datetime,
            "datetimeHour": datetime[:13] + ":00:00Z",
            "date": datetime[:10],
        }
        row.update(fields)
        row["__count"] = count
        self.raw[dataset].append(row)

    def start(self) -> FakeCloudflare:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- GraphQL ---------------------------------------------------------------------------

    def graphql(self, body: dict[str, Any]) -> tuple[int, Any]:
        query, variables = body["query"], body.get("variables") or {}
        if "__type" in query:
            data = {}
            for alias, name in re.findall(r'(\w+): __type\(name: "(\w+)"\)', query):
                fields = self.schema.get(name)
                data[alias] = None if fields is None else {"fields": [{"name": f} for f in fields]}
            return 200, {"data": data, "errors": None}
        if "settings {" in query:
            names = re.findall(r"(\w+) \{ maxPageSize notOlderThan \}", query)
            if any(self.settings[n] is None for n in names):
                error = {"message": f"unknown field {names[0]}", "path": ["settings"]}
                return 200, {"data": None, "errors": [error]}
            nodes = {n: self.settings[n] for n in names}
            return 200, {"data": {"viewer": {"accounts": [{"settings": nodes}]}}, "errors": None}
        found = re.search(r"rows: (\w+)\(", query)
        assert found, query
        dataset = found.group(1)
        dims = re.search(r"dimensions \{ ([^}]*) \}", query).group(1).split()
        sums = re.search(r"sum \{ ([^}]*) \}", query).group(1).split()
        order = [
            k.rsplit("_", 1)[0]
            for k in re.search(r"orderBy: \[([^]]*)\]", query).group(1).split(", ")
        ]
        type_prefix = "Account" + dataset[0].upper() + dataset[1:]
        known_sums = self.schema.get(type_prefix + "Sum")
        if known_sums is not None:
            unknown = [s for s in sums if s not in known_sums]
            if unknown:
                message = f'unknown field "{unknown[0]}" on type {type_prefix}Sum'
                return 200, {"data": None, "errors": [{"message": message, "path": ["viewer"]}]}
        if variables.get("account") != ACCOUNT:
            return 200, {"data": None, "errors": [{"message": "not authorized for that account"}]}
        rows = [r for r in self.raw[dataset] if _matches(r, variables["filter"])]
        groups: dict[tuple, dict[str, Any]] = {}
        for r in rows:
            key = tuple(r.get(d) for d in dims)
            g = groups.setdefault(
                key,
                {
                    "dimensions": dict(zip(dims, key, strict=True)),
                    "sum": dict.fromkeys(sums, 0),
                    "count": 0,
                },
            )
            g["count"] += r["__count"] or 0
            for s in sums:
                g["sum"][s] += r.get(s, 0)
        ordered = sorted(groups.values(), key=lambda g: tuple(g["dimensions"][k] for k in order))
        page = ordered[: int(re.search(r"limit: (\d+)", query).group(1))]
        if "count " not in query:
            for g in page:
                del g["count"]
        body = {"data": {"viewer": {"accounts": [{"rows": page}]}}, "errors": None}
        return 200, body

    # --- REST ------------------------------------------------------------------------------

    def rest(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        parts = path.split("/")
        # /client/v4/accounts/{account}/workflows/{name}/instances[/{id}]
        if parts[4] != ACCOUNT or len(parts) < 8:
            return 404, {"success": False, "errors": [{"code": 7003, "message": "not found"}]}
        workflow = parts[6]
        if len(parts) == 9:
            detail = self.details.get(parts[8])
            if detail is None:
                return 404, {"success": False, "errors": [{"code": 1, "message": "no instance"}]}
            return 200, {"success": True, "errors": [], "messages": [], "result": detail}
        items = self.instances.get(workflow, [])
        per_page = int(query.get("per_page", ["25"])[0])
        start = int(query.get("cursor", ["0"])[0])
        page = items[start : start + per_page]
        following = start + per_page if start + per_page < len(items) else None
        info = {
            "count": len(page),
            "per_page": per_page,
            "cursor": str(following) if following else "",
        }
        return 200, {
            "success": True,
            "errors": [],
            "messages": [],
            "result": page,
            "result_info": info,
        }


def _matches(row: dict[str, Any], condition: dict[str, Any]) -> bool:
    for key, wanted in condition.items():
        if key == "AND":
            if not all(_matches(row, c) for c in wanted):
                return False
            continue
        if key == "OR":
            if not any(_matches(row, c) for c in wanted):
                return False
            continue
        field, _, op = (
            key.rpartition("_") if re.search(r"_(geq|gt|lt|leq)$", key) else (key, "", "")
        )
        value = row.get(field)
        if value is None:
            return False
        if op == "" and value != wanted:
            return False
        if op == "geq" and not value >= wanted:
            return False
        if op == "gt" and not value > wanted:
            return False
        if op == "lt" and not value < wanted:
            return False
        if op == "leq" and not value <= wanted:
            return False
    return True


def _handler(fake: FakeCloudflare) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _answer(self, status: int, body: Any) -> None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _handle(self, body: dict[str, Any] | None) -> None:
            url = urlparse(self.path)
            fake.requests.append(
                {
                    "method": self.command,
                    "path": url.path,
                    "headers": dict(self.headers),
                    "body": body,
                }
            )
            if fake.script:
                canned = fake.script.pop(0)
                if canned is not None:
                    self._answer(*canned)
                    return
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                error = {"code": 10000, "message": "Authentication error"}
                self._answer(401, {"success": False, "errors": [error]})
                return
            if url.path == "/client/v4/graphql" and body is not None:
                self._answer(*fake.graphql(body))
            else:
                self._answer(*fake.rest(url.path, parse_qs(url.query)))

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length", 0))
            self._handle(json.loads(self.rfile.read(length)))

        def do_GET(self) -> None:  # noqa: N802
            self._handle(None)

    return Handler
