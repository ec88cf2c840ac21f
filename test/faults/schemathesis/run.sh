#!/usr/bin/env bash
# Schemathesis contract test of a running ingress: every answer must match its OpenAPI document.
#
#   INGRESS_API_KEY=<key> run.sh BASE_URL [SCHEMA_URL]      SCHEMA_URL defaults to BASE_URL/openapi.json
#
# The ingress must run with API keys (INGRESS_API_KEYS), one of them in INGRESS_API_KEY, so that the
# security the document declares is checked too (ignored_auth). Keeps a virtualenv with the pinned
# requirements in .tmp/schemathesis-venv (made again when requirements.txt changes) and writes the
# JUnit report and the NDJSON event log to .tmp/schemathesis/. Exits with schemathesis' own code: 0
# only when no check failed.
#
# Environment: INGRESS_CONTRACT_TOPIC (an existing topic the hooks send valid produce requests to),
# SCHEMATHESIS_MAX_EXAMPLES (100 per operation and phase), SCHEMATHESIS_SEED (20261127),
# SCHEMATHESIS_MAX_TIME (unset: see below), SCHEMATHESIS_DEADLINE_S (170), PYTHON (python3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"

base_url="${1:?usage: INGRESS_API_KEY=<key> run.sh BASE_URL [SCHEMA_URL]}"
base_url="${base_url%/}"
schema_url="${2:-$base_url/openapi.json}"
: "${INGRESS_API_KEY:?set INGRESS_API_KEY to one of the keys in the ingress INGRESS_API_KEYS}"
export INGRESS_API_KEY

python="${PYTHON:-python3}"
venv="$repo/.tmp/schemathesis-venv"
reports="$repo/.tmp/schemathesis"
stamp="$venv/.requirements.sha256"
wanted="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"

if [[ ! -x "$venv/bin/schemathesis" || "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]]; then
  echo "schemathesis: installing $(grep -m1 '^schemathesis==' "$here/requirements.txt") into $venv" >&2
  "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "schemathesis: $(grep -m1 '^schemathesis==' "$here/requirements.txt") needs Python 3.11 or later; $python is $("$python" -V 2>&1)" >&2
    exit 2
  }
  "$python" -c 'import ensurepip, venv' 2>/dev/null || {
    echo "schemathesis: $python cannot make a virtualenv; on Debian: apt-get install python3-venv" >&2
    exit 2
  }
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$here/requirements.txt" >&2
  echo "$wanted" >"$stamp"
fi

rm -rf "$reports"
mkdir -p "$reports"
# Nothing from an earlier run is replayed (no Hypothesis example database, and the config turns off
# schemathesis' cache in ./.schemathesis): the seed alone decides what is sent.
cd "$reports"
export SCHEMATHESIS_HOOKS="$here/hooks.py"
export NO_PROXY="${NO_PROXY:+$NO_PROXY,}127.0.0.1,localhost"

command=(
  "$venv/bin/schemathesis" --config-file "$here/schemathesis.toml" run "$schema_url"
  --url "$base_url"
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection,missing_required_header,ignored_auth
  --mode all
  --phases examples,coverage,fuzzing,stateful
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-100}"
  --seed "${SCHEMATHESIS_SEED:-20261127}"
  --generation-database none
  --workers 1
  --request-timeout 10
  --continue-on-failure
  --suppress-health-check too_slow,filter_too_much
  --report junit,ndjson
  --report-dir "$reports"
  --output-sanitize false
  --no-color
)
# In 4.32 --max-time is a budget to spend (fuzzing repeats until it is gone), so how many requests a
# run sends would depend on the machine's speed. It is for exploring, e.g. SCHEMATHESIS_MAX_TIME=120
# with another seed; by default the number of examples bounds the run and the deadline guards it.
if [[ -n "${SCHEMATHESIS_MAX_TIME:-}" ]]; then command+=(--max-time "$SCHEMATHESIS_MAX_TIME"); fi
echo "schemathesis: ${command[*]}" >&2
exec timeout --kill-after=10 "${SCHEMATHESIS_DEADLINE_S:-170}" "${command[@]}"
