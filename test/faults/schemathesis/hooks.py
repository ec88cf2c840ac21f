"""Schemathesis hooks for the ingress contract test (loaded through SCHEMATHESIS_HOOKS by run.sh).

POST /produce and /produce/batch answer 404 TOPIC_NOT_FOUND for almost every generated topic name,
so without help only the error answers would be checked. When INGRESS_CONTRACT_TOPIC names an
existing topic, half of the valid generated names (chosen by a hash, so a run repeats) are replaced
with it before the request is sent, and the 200 and 207 answers are checked too. Generated
Idempotency-Keys are few ("0", "00", ...), so nearly every request would be a 422
IDEMPOTENCY_KEY_REUSED: three in four valid keys (by a hash of key and body) get a suffix made from
both, so a repeat is a replay and a new body a new key; the rest still exercise the 409 and 422.

POST /webhook-simulator is a test target that waits as long as its query asks (up to 600 000 ms) and
answers 500 or 503 on purpose. Two adjustments keep it in the contract test without hiding real
faults:
- Delays the server would accept are capped at a few milliseconds before the request is sent; values
  it refuses (out of range, not integers) are left as generated, so the 400s are still exercised.
- A 5xx whose body is the simulator's own documented answer ({"status": "error", "message":
  "Simulated ..."}) is not a server error; any other 5xx on that route (say an INTERNAL_ERROR body)
  still fails the run.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import zlib
from collections.abc import MutableMapping

import schemathesis

PRODUCE_PATHS = ("/produce", "/produce/batch")
CONTRACT_TOPIC = os.environ.get("INGRESS_CONTRACT_TOPIC", "")
# Kafka's rule for topic names, as the ingress checks it (TOPIC_NAME in apps/ingress/src/produce/dto/topic.ts).
TOPIC_NAME = re.compile(r"^[a-zA-Z0-9._-]{1,249}$")

# What the ingress accepts as an Idempotency-Key (KEY in apps/ingress/src/access/idempotency.middleware.ts).
IDEMPOTENCY_KEY = re.compile(r"^[!-~]{1,255}$")
BODY_SUFFIX = re.compile(r"\.[0-9a-f]{16}$")

SIMULATOR_PATH = "/webhook-simulator"
DELAY_PARAMETERS = ("minDelayMs", "maxDelayMs")
# The range SimulatorQueryDto accepts; only values inside it are ever waited for.
MAX_ACCEPTED_DELAY_MS = 600_000
CAP_DELAY_MS = 5
# The only query text the ingress reads as a number (DECIMAL in apps/ingress/src/simulator/simulator-query.dto.ts).
DECIMAL = re.compile(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?$")


def _query_number(value: object) -> float | None:
    """The number the ingress would read from a query value, or None when it refuses the value."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and DECIMAL.match(value):
        return float(value)
    return None


def _capped(value: object) -> object:
    number = _query_number(value)
    if number is None or not math.isfinite(number) or number != int(number):
        return value
    if CAP_DELAY_MS < number <= MAX_ACCEPTED_DELAY_MS:
        return CAP_DELAY_MS
    return value


def _is_simulator(case) -> bool:
    return case.operation.method.upper() == "POST" and case.operation.path == SIMULATOR_PATH


def _to_contract_topic(case) -> None:
    body = case.body
    if not CONTRACT_TOPIC or not isinstance(body, dict):
        return
    topic = body.get("topic")
    if not isinstance(topic, str) or not TOPIC_NAME.match(topic) or topic in (".", ".."):
        return
    if zlib.crc32(topic.encode()) % 2 == 0:
        body["topic"] = CONTRACT_TOPIC


def _idempotency_key_per_body(case) -> None:
    headers = case.headers
    if not isinstance(headers, MutableMapping):
        return
    # A case can be sent more than once (probes, shrinking): this hook has already seen it then, and
    # its body may hold the run's own topic name, which must not change what the next run sends.
    body = json.dumps(case.body, sort_keys=True, default=lambda value: type(value).__name__)
    if CONTRACT_TOPIC:
        body = body.replace(CONTRACT_TOPIC, "<contract topic>")
    for name, key in list(headers.items()):
        if name.lower() != "idempotency-key" or not isinstance(key, str) or not IDEMPOTENCY_KEY.match(key):
            continue
        if BODY_SUFFIX.search(key):
            continue
        digest = hashlib.sha256(f"{key}\n{body}".encode()).hexdigest()
        if int(digest[:8], 16) % 4 != 0:
            headers[name] = f"{key[:238]}.{digest[:16]}"


def _cap_delays(case) -> None:
    if not isinstance(case.query, MutableMapping):
        return
    minimum, maximum = (_query_number(case.query.get(name)) for name in DELAY_PARAMETERS)
    # minDelayMs above maxDelayMs is refused at once; keep that case as it is.
    if minimum is not None and maximum is not None and minimum > maximum:
        return
    for name in DELAY_PARAMETERS:
        if name in case.query:
            case.query[name] = _capped(case.query[name])


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.operation.method.upper() == "POST" and case.operation.path in PRODUCE_PATHS:
        # The key is derived from the generated body, before the run's own topic name goes in.
        _idempotency_key_per_body(case)
        _to_contract_topic(case)
    elif _is_simulator(case):
        _cap_delays(case)


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if not _is_simulator(case) or "not_a_server_error" not in getattr(failure, "checks", ()):
        return True
    if response.status_code not in (500, 503):
        return True
    try:
        body = response.json()
    except Exception:
        return True
    simulated = isinstance(body, dict) and body.get("status") == "error" and str(body.get("message", "")).startswith("Simulated")
    return not simulated
