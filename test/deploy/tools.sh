#!/usr/bin/env bash
# Installs the pinned tools npm run test:deploy needs, once: Helm built from its Go module,
# kubernetes-validate (with the Kubernetes OpenAPI schemas it ships) in a Python virtualenv, and
# servicemonitor-check (prometheus-operator's Go types, for the one CRD the chart renders).
# All go to .tmp/tools; a second run finds them and installs nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tools.env
. test/deploy/tools.env

need_go() {
  command -v go >/dev/null 2>&1 || { echo "test:deploy: Go is needed to build Helm and servicemonitor-check (apt-get install golang-go)" >&2; exit 1; }
}

tools="$PWD/.tmp/tools"
helm="$tools/bin/helm"
minor="${KUBERNETES_VERSION#1.}"
minor="${minor%%.*}"

if [[ "$("$helm" version --template '{{.Version}}' 2>/dev/null || true)" != "$HELM_VERSION" ]]; then
  need_go
  echo "test:deploy: building Helm $HELM_VERSION from its Go module (once)"
  # The ldflags of Helm's own Makefile: its version, and the Kubernetes release its lint rules
  # and default capabilities assume (otherwise 1.20).
  GOBIN="$tools/bin" CGO_ENABLED=0 GOFLAGS=-trimpath go install -ldflags "-s -w \
    -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION \
    -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$minor \
    -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
fi

check="$tools/bin/servicemonitor-check"
source_dir=test/deploy/servicemonitor-check
if [[ ! -x "$check" || -n "$(find "$source_dir" -newer "$check" -type f)" ]]; then
  need_go
  echo "test:deploy: building servicemonitor-check (go.mod pins prometheus-operator's API types)"
  CGO_ENABLED=0 GOFLAGS="-trimpath -mod=readonly" go build -C "$source_dir" -ldflags "-s -w" -o "$check" .
fi

validate="$tools/venv/bin/kubernetes-validate"
if [[ "$("$validate" --version 2>/dev/null || true)" != *"$KUBERNETES_VALIDATE_VERSION"* ]]; then
  python3 -c 'import ensurepip, venv' 2>/dev/null || { echo "test:deploy: python3 with venv is needed (apt-get install python3-venv)" >&2; exit 1; }
  echo "test:deploy: installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION (once)"
  rm -rf "$tools/venv"
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r test/deploy/requirements.txt
fi

echo "test:deploy: $("$helm" version --short), kubernetes-validate $("$validate" --version), Kubernetes $KUBERNETES_VERSION"
