#!/usr/bin/env bash
# Runs decode.py in a Python virtualenv made from requirements.txt in <repo>/.tmp/wire-decoder-venv
# (made again when requirements.txt changes). Needs python3 with venv (Debian: python3-venv).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
venv="$repo/.tmp/wire-decoder-venv"
stamp="$venv/.requirements.sha256"
wanted="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" || "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]]; then
  python3 -c 'import ensurepip, venv' 2>/dev/null || {
    echo "wire-decoder: python3 cannot make a virtualenv; on Debian: apt-get install python3-venv" >&2
    exit 1
  }
  echo "wire-decoder: installing confluent-kafka into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$here/requirements.txt" >&2
  echo "$wanted" >"$stamp"
fi
exec "$venv/bin/python" "$here/decode.py" "$@"
