"""Talking to Cloudflare's API: the GraphQL Analytics endpoint and the REST endpoints.

One place sends requests, retries rate limiting, turns every failure into a ``PaperkitError``
that says what to do, and keeps the API token out of every message and file. Responses can be
saved to a folder (``--save-responses``) and read back from it instead of the network
(``--from-responses``): each is stored under a hash of its request, so a replay answers each
request with the response it got. Shapes and limits are those of
``/work/shared/reference/cloudflare.md`` §4 as cited in docs/cloudflare.md.

httpx2 (the HTTP client genai-prices already brings in) is imported only when a request is
really sent, so other commands never load it.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paperkit.atomic import write_atomic
from paperkit.errors import PaperkitError, shown

DEFAULT_BASE = "https://api.cloudflare.com"
GRAPHQL_PATH = "/client/v4/graphql"
ACCOUNT = "{account}"  # stands for the account id in saved requests: it is not part of the key
RATE_LIMITED = "rate limiter budget depleted"


@dataclass
class CloudflareAPI:
    """A Cloudflare API session: its base URL, the token, and how failures are retried.

    ``retries`` rate-limited attempts are retried after ``backoff`` seconds, doubling each
    time (tests pass a tiny ``backoff``). With ``replay`` set, nothing is sent: every response
    comes from that folder. With ``save`` set, every response received is also written there.
    ``permission`` names the token permission a 401/403 asks for.
    """

    base: str = DEFAULT_BASE
    token: str | None = None
    account: str | None = None
    retries: int = 4
    backoff: float = 2.0
    timeout: float = 60.0
    save: Path | None = None
    replay: Path | None = None
    sleep: Callable[[float], None] = time.sleep
    permission: str = "Account Analytics: Read"
    _client: Any = field(default=None, repr=False)

    def graphql(
        self, query: str, variables: dict[str, Any], *, optional: bool = False
    ) -> dict[str, Any]:
        """Return the ``data`` of a GraphQL query; raise with Cloudflare's message on errors.

        With ``optional``, a query Cloudflare answers with GraphQL errors (a field or node it
        does not have) gives ``{}`` instead; refusals, rate limiting and network failures
        still raise.
        """
        with self._scrubbing():
            if optional:
                answer = self._request(
                    "POST", GRAPHQL_PATH, body={"query": query, "variables": variables}
                )
                data = answer.get("data")
                return data if not answer.get("errors") and isinstance(data, dict) else {}
            return self._graphql(query, variables)

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return the JSON body of a REST GET; raise when Cloudflare says it did not succeed."""
        with self._scrubbing():
            answer = self._request("GET", path, params=params or {})
            if answer.get("success") is False:
                said = _messages(answer.get("errors"))
                raise PaperkitError(f"Cloudflare's API answered: {said}")
            return answer

    @contextmanager
    def _scrubbing(self) -> Iterator[None]:
        """Blank the token in any error raised inside, should Cloudflare ever echo it."""
        try:
            yield
        except PaperkitError as error:
            if not self.token or self.token not in error.message:
                raise
            raise PaperkitError(self._scrubbed(error.message), error.path, error.line) from None

    def _graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        body = {"query": query, "variables": variables}
        answer = self._request("POST", GRAPHQL_PATH, body=body)
        errors = answer.get("errors")
        if errors:
            said = _messages(errors)
            hint = (
                "; Cloudflare keeps these analytics for about 31 days, so import a later window"
                if "older than" in said.lower()
                else ""
            )
            raise PaperkitError(f"Cloudflare's GraphQL API answered: {said}{hint}")
        data = answer.get("data")
        if not isinstance(data, dict):
            raise PaperkitError("Cloudflare's GraphQL API answered with no data and no error")
        return data

    def close(self) -> None:
        """Close the HTTP connection pool, if one was opened."""
        if self._client is not None:
            self._client.close()
            self._client = None

    # --- one request, its retries and its failures -----------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        shown_request = self._shown_request(method, path, params, body)
        key = hashlib.sha256(json.dumps(shown_request, sort_keys=True).encode()).hexdigest()[:20]
        if self.replay is not None:
            return self._replayed(key, shown_request)
        for attempt in range(self.retries + 1):
            status, answer = self._send(method, path, params, body)
            if not _rate_limited(status, answer):
                break
            if attempt == self.retries:
                raise PaperkitError(
                    f"Cloudflare kept refusing: rate limited (HTTP {status}) after "
                    f"{self.retries + 1} attempts; its limit is about 300 queries in 5 minutes, "
                    "so wait a few minutes and import again"
                )
            self.sleep(self.backoff * 2**attempt)
        if status in (401, 403):
            said = f" ({_messages(answer.get('errors'))})" if isinstance(answer, dict) else ""
            raise PaperkitError(
                f"Cloudflare refused the token (HTTP {status}){said}: CLOUDFLARE_API_TOKEN needs "
                f"the permission '{self.permission}' on account CLOUDFLARE_ACCOUNT_ID"
            )
        if status >= 400 or not isinstance(answer, dict):
            detail = _messages(answer.get("errors")) if isinstance(answer, dict) else answer
            raise PaperkitError(f"Cloudflare answered HTTP {status} to {method} {path}: {detail}")
        if self.save is not None:
            self._saved(key, shown_request, answer)
        return answer

    def _send(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        body: dict[str, Any] | None,
    ) -> tuple[int, dict[str, Any] | str]:
        """Send one request; return the status and the parsed JSON body (or its text)."""
        import httpx2  # lazily: only an import from Cloudflare pays for loading it

        if not self.token:
            raise PaperkitError(
                "no Cloudflare API token: set CLOUDFLARE_API_TOKEN to a token with the "
                f"permission '{self.permission}' (paperkit docs cloudflare)"
            )
        if self._client is None:
            self._client = httpx2.Client(base_url=self.base.rstrip("/"), timeout=self.timeout)
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        try:
            response = self._client.request(method, path, params=params, json=body, headers=headers)
        except httpx2.TimeoutException:
            raise PaperkitError(
                f"Cloudflare did not answer within {self.timeout:g} s ({self.base}); "
                "try again later"
            ) from None
        except httpx2.TransportError as error:
            reason = self._scrubbed(str(error)) or type(error).__name__
            raise PaperkitError(
                f"cannot reach Cloudflare at {self.base}: {reason}; check the network "
                "(or CLOUDFLARE_API_BASE)"
            ) from None
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, self._scrubbed(response.text[:200]) or "(empty body)"

    def _scrubbed(self, text: str) -> str:
        """Return ``text`` with the token blanked, should anything ever echo it."""
        return text.replace(self.token, "***") if self.token else text

    def _shown_request(
        self, method: str, path: str, params: dict[str, Any] | None, body: dict[str, Any] | None
    ) -> dict[str, Any]:
        """Return the request as saved and hashed: the account id replaced by a placeholder."""
        text = json.dumps({"method": method, "path": path, "params": params, "body": body})
        if self.account:
            text = text.replace(json.dumps(self.account)[1:-1], ACCOUNT)
        shown_request: dict[str, Any] = json.loads(text)
        return shown_request

    def _saved(self, key: str, request: dict[str, Any], answer: dict[str, Any]) -> None:
        assert self.save is not None
        self.save.mkdir(parents=True, exist_ok=True)
        document = {"request": request, "response": answer}
        text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        text = self._scrubbed(text)
        write_atomic(self.save / f"{key}.json", text.encode("utf-8"))

    def _replayed(self, key: str, request: dict[str, Any]) -> dict[str, Any]:
        assert self.replay is not None
        path = self.replay / f"{key}.json"
        if not path.is_file():
            what = f"{request['method']} {request['path']}"
            raise PaperkitError(
                f"no saved response for {what} (expected {path.name}); save the responses of "
                "the same import with --save-responses",
                shown(self.replay),
            )
        try:
            answer = json.loads(path.read_text(encoding="utf-8"))["response"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise PaperkitError(f"not a saved response: {error}", shown(path)) from None
        if not isinstance(answer, dict):
            raise PaperkitError("not a saved response: 'response' is not an object", shown(path))
        return answer


def _rate_limited(status: int, answer: dict[str, Any] | str) -> bool:
    """Whether Cloudflare said to slow down: HTTP 429, or GraphQL's rate limiter error."""
    if status == 429:
        return True
    errors = answer.get("errors") if isinstance(answer, dict) else None
    return bool(errors) and RATE_LIMITED in _messages(errors).lower()


def _messages(errors: Any) -> str:
    """Return Cloudflare's error messages joined, each with its GraphQL path when it has one."""
    if not isinstance(errors, list) or not errors:
        return "no error message"
    parts = []
    for error in errors:
        if isinstance(error, dict):
            text = str(error.get("message") or error)
            path = error.get("path")
            if isinstance(path, list) and path:
                text += f" (at {'.'.join(map(str, path))})"
            parts.append(text)
        else:
            parts.append(str(error))
    return "; ".join(parts)
