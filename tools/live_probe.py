"""Check what wavevid still assumes about WaveSpeed's API against the live service. BY HAND only:
never from CI, never from the test suite (it spends money and needs a real key).

    WAVESPEED_API_KEY=... python tools/live_probe.py --yes-spend [--out DIR] [--probe-rate-limit]

It prints the catalog's estimate and, only with --yes-spend, submits ONE short job of the
cheapest catalog model; the other questions (wavespeed-api.md section 6) cost nothing. It uses
plain ``requests`` (wavevid's transport holds the assumptions being checked), a timeout on every
call, and writes one redacted fixture per probe, ``<out>/<probe>.json``:

    {"format": 1, "probe": "history", "recorded_at": "...Z", "base_url": "https://...",
     "questions": [{"question": "...", "answer": "..."}], "facts": {...},
     "exchanges": [{"request": {"method": "POST", "path": "/api/v3/predictions", "json": {}},
                    "response": {"status": 200, "headers": {}, "json": {}}}]}

A response holds ``text`` instead of ``json`` when the body is not JSON; an exchange that got no
answer holds ``error`` instead of ``response``. docs/testing.md describes the format and what
is redacted. Read the files before committing them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import time
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

import wavevid

FORMAT = 1
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "live"
DEFAULT_BASE_URL = "https://api.wavespeed.ai"
TIMEOUT = (10.0, 60.0)  # (connect, read) seconds, on every request
POLL_INTERVAL = 5.0  # WaveSpeed's get-result page: video tasks at least 5 s between checks
LOOPBACK_POLL_INTERVAL = 0.05  # a fake on this machine: a dry run takes a second
MODEL = "hunyuan-video-1.5"  # the cheapest catalog entry: $0.02/s at 480p
CHEAPEST = {"hunyuan-video-1.5": {"resolution": "480p", "duration": 5}}
PROMPT = "a paper boat drifting on a calm pond (wavevid live probe)"
UNKNOWN_MODEL_PATH = "wavevid-probe/no-such-model/text-to-video"
UNKNOWN_JOB_ID = "0" * 32
NOT_A_KEY = "wavevid-probe-not-a-key"
BURST = 10  # the cheap GETs of --probe-rate-limit, stopped at the first 429
TERMINAL = {"completed", "failed", "cancelled", "timeout", "deleted"}
SENSITIVE_KEYS = frozenset(
    ["secret", "webhook_secret", "api_key", "apikey", "key", "token", "access_token", "email",
     "user", "user_id", "uid", "username", "owner", "account_id", "org_id", "organization_id",
     "team_id", "balance"]
)
DROPPED_HEADERS = frozenset({"set-cookie", "cookie", "authorization", "proxy-authorization"})
REDACTED = "<redacted>"
_PATTERNS = (
    (re.compile(r"whsec_[A-Za-z0-9+/=_-]+"), "<redacted-whsec>"),
    (re.compile(r"(?i)\bbearer\s+[^\s'\",]+"), f"Bearer {REDACTED}"),
    (re.compile(r"(https?://[^\s?#'\"]+)\?[^\s#'\"]*"), rf"\1?{REDACTED}"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "<redacted-email>"),
)
_SECONDS = re.compile(r"T\d\d:\d\d:\d\d(?:\.(\d+))?")


def redact(value: Any, secrets: Sequence[str] = ()) -> Any:
    """``value`` (JSON data) without ``secrets``, whsec_ values, bearer tokens, URL queries,
    e-mail addresses or the values of ``SENSITIVE_KEYS``; its structure is kept."""
    if isinstance(value, dict):
        return {
            k: REDACTED if str(k).lower() in SENSITIVE_KEYS else redact(v, secrets)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(item, secrets) for item in value]
    if isinstance(value, str):
        for secret in sorted((s for s in secrets if len(s) >= 6), key=len, reverse=True):
            value = value.replace(secret, REDACTED)
        for pattern, replacement in _PATTERNS:
            value = pattern.sub(replacement, value)
    return value


def is_loopback(url: str) -> bool:
    """Whether ``url`` names this machine (a fake): fast checks, no environment proxies."""
    return urlsplit(url).hostname in ("localhost", "127.0.0.1", "::1")


def status_of(exchange: dict) -> int | None:
    return exchange.get("response", {}).get("status")


def body_of(exchange: dict) -> Any:
    return exchange.get("response", {}).get("json")


def data_of(exchange: dict) -> dict:
    body = body_of(exchange)
    data = body.get("data") if isinstance(body, dict) else None
    return data if isinstance(data, dict) else {}


def describe(exchange: dict) -> str:
    status = status_of(exchange)
    return f"HTTP {status}" if status is not None else f"no answer ({exchange.get('error')})"


def error_keys(body: Any) -> str:
    """Which error fields seen in WaveSpeed's own clients ``body`` carries."""
    if not isinstance(body, dict):
        return "(not a JSON object)"
    found = [k for k in ("code", "message", "error_code", "error", "detail") if k in body]
    data = body.get("data")
    found += [f"data.{k}" for k in ("error", "code") if isinstance(data, dict) and k in data]
    return ", ".join(found) or "none of code, message, error_code, data.error"


def input_keys(item: dict) -> str:
    return ", ".join(k for k in ("input", "inputs") if k in item) or "neither input nor inputs"


def created_ats(value: Any) -> list[str]:
    """Every ``created_at`` string inside ``value`` (JSON data)."""
    if isinstance(value, list):
        return [found for item in value for found in created_ats(item)]
    if not isinstance(value, dict):
        return []
    own = [value["created_at"]] if isinstance(value.get("created_at"), str) else []
    return own + [found for item in value.values() for found in created_ats(item)]


class LiveProbe:
    """The probes, each returning its fixture (not yet redacted); ``run`` calls them in order.

    Every exchange is kept, so the last probes can look back over the whole run."""

    def __init__(self, base_url: str, api_key: str, model_path: str, body: dict,
                 cost: Decimal | None, *, poll_interval: float = POLL_INTERVAL,
                 wait: float = 600.0, burst: int = 0) -> None:
        self.base_url = base_url.rstrip("/")
        self.secrets = [api_key]
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {api_key}"
        self.http.trust_env = not is_loopback(base_url)
        self.model_path, self.body, self.cost = model_path, body, cost
        self.poll_interval, self.wait, self.burst = poll_interval, wait, min(burst, BURST)
        self.exchanges: list[dict] = []
        self.job_id: str | None = None
        self.sent_at = dt.datetime.now(dt.timezone.utc)

    def run(self) -> list[dict]:
        """Every probe; the paid job is submitted third, and waited for only if it exists."""
        fixtures = [self.webhook_secret(), self.unknown_model(), self.submit()]
        if self.job_id is not None:
            fixtures += [self.poll_paths(), self.history()]
        fixtures += [self.rate_limit(), self.error_shapes(), self.created_at()]
        self.http.close()
        return fixtures

    def call(self, method: str, path: str, body: Any = None, *, api_key: str = "") -> dict:
        """Send one request; return (and keep) the exchange, as fixtures record it."""
        request = {"method": method, "path": path, **({"json": body} if body is not None else {})}
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else None
        try:
            answer = self.http.request(
                method, self.base_url + path, json=body, headers=headers, timeout=TIMEOUT
            )
        except requests.RequestException as error:
            exchange = {"request": request, "error": f"{type(error).__name__}: {error}"}
        else:
            received = {k.lower(): v for k, v in answer.headers.items()}
            shown = {k: v for k, v in received.items() if k not in DROPPED_HEADERS}
            try:
                content: dict[str, Any] = {"json": answer.json()}
            except ValueError:
                content = {"text": answer.text[:2000]}
            response = {"status": answer.status_code, "headers": shown, **content}
            exchange = {"request": request, "response": response}
        self.exchanges.append(exchange)
        return exchange

    def fixture(self, probe: str, questions: list, facts: dict, exchanges: list) -> dict:
        """One probe's fixture: its questions and answers, facts and evidence."""
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        return {"format": FORMAT, "probe": probe, "recorded_at": now.replace("+00:00", "Z"),
                "base_url": self.base_url,
                "questions": [{"question": q, "answer": a} for q, a in questions],
                "facts": facts, "exchanges": exchanges}

    def webhook_secret(self) -> dict:
        """The shape of ``GET /api/v3/webhook/secret``; the secret joins the redacted values."""
        exchange = self.call("GET", "/api/v3/webhook/secret")
        body = body_of(exchange)
        data = body.get("data") if isinstance(body, dict) else None
        secret = data.get("secret") if isinstance(data, dict) else data
        if isinstance(secret, str):
            self.secrets.append(secret)
        facts = {
            "status": status_of(exchange),
            "data": sorted(data) if isinstance(data, dict) else type(data).__name__,
            "prefix": "whsec_" if isinstance(secret, str) and secret.startswith("whsec_") else None,
            "length": len(secret) if isinstance(secret, str) else None,
        }
        prefix = "prefix whsec_" if facts["prefix"] else "no whsec_ prefix"
        answer = f"{describe(exchange)}; data {facts['data']}; {prefix}, {facts['length']} chars"
        questions = [("Webhook secret shape?", answer)]
        return self.fixture("webhook_secret", questions, facts, [exchange])

    def unknown_model(self) -> dict:
        """Status and body of a submit to a model path that does not exist (nothing to bill)."""
        exchange = self.call("POST", f"/api/v3/{UNKNOWN_MODEL_PATH}", {"prompt": PROMPT})
        facts = {"status": status_of(exchange), "error_keys": error_keys(body_of(exchange))}
        answer = f"{describe(exchange)}; {facts['error_keys']}"
        return self.fixture("unknown_model", [("Unknown model path?", answer)], facts, [exchange])

    def submit(self) -> dict:
        """Submit the paid job: the keys of the answer, and the insufficient-balance answer when
        ``GET /api/v3/balance`` said beforehand that it would not cover the job (never forced)."""
        balance = self.call("GET", "/api/v3/balance")
        amount = data_of(balance).get("balance")
        low = isinstance(amount, (int, float)) and self.cost is not None
        low = low and Decimal(str(amount)) < self.cost
        self.sent_at = dt.datetime.now(dt.timezone.utc)
        exchange = self.call("POST", f"/api/v3/{self.model_path}", self.body)
        body, data = body_of(exchange), data_of(exchange)
        self.job_id = data["id"] if isinstance(data.get("id"), str) else None
        facts = {"status": status_of(exchange), "job_id": self.job_id, "balance_low": low,
                 "top_keys": sorted(body) if isinstance(body, dict) else None,
                 "data_keys": sorted(data)}
        keys = f"{describe(exchange)}; top {facts['top_keys']}; data {facts['data_keys']}"
        short = "not observed (the balance covered the job; never forced)"
        if low:  # the balance was below the estimate before the submit
            short = f"{describe(exchange)}; {error_keys(body)}"
            if self.job_id is not None:
                short = f"not refused: {describe(exchange)} and a job, the balance below the price"
        questions = [("Keys of a submit answer?", keys), ("Insufficient balance?", short)]
        return self.fixture("submit", questions, facts, [balance, exchange])

    def poll_paths(self) -> dict:
        """Check the job on ``/predictions/{id}/result`` and ``/predictions/{id}`` in turn, at
        least ``poll_interval`` apart and slower as it runs, until both show it ended."""
        paths = {"/result": f"/api/v3/predictions/{self.job_id}/result"}
        paths["bare"] = paths["/result"].removesuffix("/result")
        first: dict[str, dict] = {}
        last: dict[str, dict] = {}
        deadline, delay, checks = time.monotonic() + self.wait, self.poll_interval, 0
        while True:
            name = ("/result", "bare")[checks % 2]
            last[name] = exchange = self.call("GET", paths[name])
            first.setdefault(name, exchange)
            checks += 1
            settled = [status_of(e) != 200 or data_of(e).get("status") in TERMINAL
                       for e in last.values()]
            if (len(last) == 2 and all(settled)) or time.monotonic() + delay > deadline:
                break
            time.sleep(delay)
            delay = min(delay * 1.25, self.poll_interval * 4)
        later = [e for e in last.values() if all(e is not f for f in first.values())]
        return self._poll_fixture(last, [*first.values(), *later])

    def _poll_fixture(self, last: dict[str, dict], exchanges: list[dict]) -> dict:
        bare_exchange = last.get("bare", {})  # none when the wait ended after one check
        result, bare = data_of(last["/result"]), data_of(bare_exchange)
        facts = {
            "bare_path_works": status_of(bare_exchange) == 200 and bare.get("id") == self.job_id,
            "same_keys": sorted(result) == sorted(bare),
            "final_status": result.get("status"),
            "input": {"/result": input_keys(result), "bare": input_keys(bare)},
            "timings": [k for k in ("timings", "executionTime") if k in result],
        }
        same = "the same keys as" if facts["same_keys"] else "other keys than"
        works = f"{describe(bare_exchange)}, {same} /result"
        questions = [
            ("GET /predictions/{id} (no /result) works?", works),
            ("Poll answers carry the job's input?", json.dumps(facts["input"])),
            ("Ended job has timings / executionTime?", ", ".join(facts["timings"]) or "neither"),
        ]
        return self.fixture("poll_paths", questions, facts, exchanges)

    def history(self) -> dict:
        """History of the probe's model since just before its submit: ``input``/``inputs`` and
        ``total``. Items the probe did not submit are reduced to their keys."""
        since = (self.sent_at - dt.timedelta(minutes=2)).isoformat(timespec="seconds")
        query = {"page": 1, "page_size": 20, "model": self.model_path,
                 "created_after": since.replace("+00:00", "Z")}
        exchange = self.call("POST", "/api/v3/predictions", query)
        data = data_of(exchange)
        items = [i for i in data.get("items") or [] if isinstance(i, dict)]
        ours = next((i for i in items if i.get("id") == self.job_id), None)
        facts = {"data_keys": sorted(data), "total_present": "total" in data,
                 "item_keys": sorted({k for item in items for k in item}),
                 "probe_job_listed": ours is not None,
                 "input": input_keys(ours) if ours is not None else None}
        if items:  # others' prompts (colleagues, the playground) stay out, ours listed or not
            reduced = {"not_from_probe": True}
            data["items"] = [i if i is ours else {**reduced, "keys": sorted(i)} for i in items]
        found = facts["input"] or f"the job is not listed ({describe(exchange)})"
        questions = [("History items carry input / inputs?", found),
                     ("History has total?", "yes" if facts["total_present"] else "no")]
        return self.fixture("history", questions, facts, [exchange])

    def rate_limit(self) -> dict:
        """Headers of any 429 met in the run, after a burst of ``burst`` GETs (0: none)."""
        burst = []
        while len(burst) < self.burst and status_of((burst or [{}])[-1]) != 429:
            burst.append(self.call("GET", "/api/v3/balance"))
        limited = [e for e in self.exchanges if status_of(e) == 429]
        headers = sorted(limited[0]["response"]["headers"]) if limited else []
        facts = {"burst": len(burst), "answers_429": len(limited), "headers": headers}
        answer = "no 429 met; none provoked (--probe-rate-limit)"
        if limited:
            answer = f"429 on {limited[0]['request']['path']}; headers {', '.join(headers)}"
        elif burst:
            answer = f"no 429 in a burst of {len(burst)} GETs"
        evidence = limited[:3] or burst[-1:]
        return self.fixture("rate_limit", [("Headers of a 429?", answer)], facts, evidence)

    def error_shapes(self) -> dict:
        """The keys of every error body of the run, plus two free ones: a wrong key, an unknown
        job id."""
        self.call("GET", "/api/v3/balance", api_key=NOT_A_KEY)
        self.call("GET", f"/api/v3/predictions/{UNKNOWN_JOB_ID}/result")
        errors = [e for e in self.exchanges if (status_of(e) or 0) >= 400]
        shapes = sorted({f"{status_of(e)}: {error_keys(body_of(e))}" for e in errors})
        answer = "; ".join(shapes) or "no error answer"
        questions = [("Keys of error bodies?", answer)]
        return self.fixture("error_shapes", questions, {"shapes": shapes}, errors)

    def created_at(self) -> dict:
        """How many fraction digits the run's ``created_at`` values have."""
        values = sorted({v for e in self.exchanges for v in created_ats(body_of(e))})
        digits = sorted({len(m.group(1) or "") for v in values if (m := _SECONDS.search(v))})
        answer = f"{digits} over {len(values)} values" if values else "no created_at seen"
        facts = {"fraction_digits": digits, "values": values}
        return self.fixture("created_at", [("created_at fraction digits?", answer)], facts, [])


def write_fixtures(out: Path, fixtures: list[dict], secrets: Sequence[str]) -> list[Path]:
    """Write each fixture, redacted, as ``out/<probe>.json``; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for item in fixtures:
        path = out / f"{item['probe']}.json"
        path.write_text(json.dumps(redact(item, secrets), indent=2) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def summary(fixtures: list[dict], paths: list[Path], secrets: Sequence[str]) -> str:
    """The table "question | answer | evidence file", redacted."""
    rows = [["question", "answer", "evidence"], ["---"] * 3]
    for item, path in zip(fixtures, paths, strict=True):
        rows += [[q["question"], q["answer"], path.name] for q in item["questions"]]
    return "\n".join(f"| {' | '.join(redact(row, secrets))} |" for row in rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Refuse without a key or ``--yes-spend``; else probe, write the fixtures, print the table."""
    parser = argparse.ArgumentParser(description="Check wavevid's assumptions against WaveSpeed.")
    parser.add_argument("--yes-spend", action="store_true", help="accept the printed cost")
    parser.add_argument("--base-url", default=DEFAULT_BASE_URL)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the fixtures' folder")
    parser.add_argument("--model", default=MODEL, help="the catalog model of the paid job")
    parser.add_argument("--wait", type=float, default=600.0, help="seconds to wait for the job")
    parser.add_argument("--probe-rate-limit", action="store_true", help=f"{BURST} quick GETs")
    args = parser.parse_args(argv)
    api_key = os.environ.get("WAVESPEED_API_KEY", "")
    if not api_key:
        print("live_probe: set WAVESPEED_API_KEY; this probe talks to the API", file=sys.stderr)
        return 2
    model = wavevid.load_catalog().get(args.model)
    body = model.build_payload({"prompt": PROMPT, **CHEAPEST.get(model.name, {})})
    estimate = model.estimate_cost(body)
    cost = max((c for c in (estimate, model.estimate_cost()) if c is not None), default=None)
    print(f"One job of {model.path} {json.dumps(body)} at {args.base_url}: estimated "
          f"${estimate}, at most ${cost} if the service bills its defaults instead.")
    if not args.yes_spend:
        print("live_probe: nothing sent; pass --yes-spend to accept that cost", file=sys.stderr)
        return 2
    interval = LOOPBACK_POLL_INTERVAL if is_loopback(args.base_url) else POLL_INTERVAL
    burst = BURST if args.probe_rate_limit else 0
    probe = LiveProbe(args.base_url, api_key, model.path, body, cost,
                      poll_interval=interval, wait=args.wait, burst=burst)
    fixtures = probe.run()
    paths = write_fixtures(args.out, fixtures, probe.secrets)
    print(summary(fixtures, paths, probe.secrets))
    return 0


if __name__ == "__main__":
    sys.exit(main())
