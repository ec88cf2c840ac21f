#!/usr/bin/env bash
# Builds (once) and runs a real Schema Registry on loopback: Apicurio Registry 2.4.2.Final with
# in-memory storage, serving the Confluent Schema Registry API. No Docker: Java 17 and Maven.
#
#   registry.sh build   build it (once; the first build downloads ~385 MB into ~/.m2)
#   registry.sh up      build if needed, start it, wait until the API answers; the last line of
#                       stdout is the pid (stop it with: kill <pid>); the URL goes to stderr
#
# Environment: SCHEMA_REGISTRY_PORT (8081), SCHEMA_REGISTRY_HOST (127.0.0.1),
# SCHEMA_REGISTRY_DIR (build folder, <repo>/.tmp/schema-registry), SCHEMA_REGISTRY_LOG (its log,
# <dir>/registry-<port>.log), SCHEMA_REGISTRY_START_TIMEOUT_S (90), JAVA_OPTS.
# The API: http://127.0.0.1:<port>/apis/ccompat/v7 (what SCHEMA_REGISTRY_URL points at).
# Known limit of 2.4.2: it tells a schema's type from its content and ignores `schemaType`, so a
# JSON Schema needs `$schema` or `properties` (a bare {"type":"object"} is refused with 422).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

PORT="${SCHEMA_REGISTRY_PORT:-8081}"
HOST="${SCHEMA_REGISTRY_HOST:-127.0.0.1}"
DIR="${SCHEMA_REGISTRY_DIR:-$repo/.tmp/schema-registry}"
LOG="${SCHEMA_REGISTRY_LOG:-$DIR/registry-$PORT.log}"
START_TIMEOUT_S="${SCHEMA_REGISTRY_START_TIMEOUT_S:-90}"
JAVA_OPTS="${JAVA_OPTS:--Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1}"
RUNNER="$DIR/target/schema-registry-1-runner.jar"

die() { echo "schema-registry: $*" >&2; exit 1; }
log() { echo "schema-registry: $*" >&2; }

cmd_build() {
  command -v java >/dev/null 2>&1 || die "Java 17 is required, and 'java' is not on PATH (Debian: apt-get install openjdk-17-jre-headless)."
  # A build made from another pom is stale: rebuild.
  if [[ -f "$RUNNER" ]] && cmp -s "$here/pom.xml" "$DIR/pom.xml"; then return 0; fi
  command -v mvn >/dev/null 2>&1 || die "Maven is required to build the registry, and 'mvn' is not on PATH (Debian: apt-get install maven)."
  mkdir -p "$DIR"
  rm -rf "$DIR/target"
  cp "$here/pom.xml" "$here/settings.xml" "$DIR/"
  log "building Apicurio Registry 2.4.2.Final in $DIR (once; the first build downloads ~385 MB)"
  # A partial jar must never look like a build: the pom copy marks success last.
  if ! (cd "$DIR" && mvn -B -q -s settings.xml package -DskipTests) >"$DIR/build.log" 2>&1; then
    rm -f "$DIR/pom.xml"
    tail -30 "$DIR/build.log" >&2
    die "build failed (log: $DIR/build.log)"
  fi
  [[ -f "$RUNNER" ]] || die "build produced no $RUNNER (log: $DIR/build.log)"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Node, not curl: a fresh machine is only promised Node, Java and Maven.
api_answers() {
  node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(2000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
    "http://127.0.0.1:$PORT/apis/ccompat/v7/subjects"
}

cmd_up() {
  cmd_build
  port_open "$PORT" && die "port $PORT is already in use"
  mkdir -p "$(dirname "$LOG")"
  # shellcheck disable=SC2086 # JAVA_OPTS is a list of flags
  nohup java $JAVA_OPTS -Dquarkus.http.port="$PORT" -Dquarkus.http.host="$HOST" \
    -jar "$RUNNER" >"$LOG" 2>&1 </dev/null &
  local pid=$! deadline=$((SECONDS + START_TIMEOUT_S))
  until api_answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -20 "$LOG" >&2
      die "the registry exited (log: $LOG)"
    fi
    if ((SECONDS >= deadline)); then
      kill "$pid" 2>/dev/null || true
      die "the registry did not answer within ${START_TIMEOUT_S}s (log: $LOG)"
    fi
    sleep 0.5
  done
  log "up: http://127.0.0.1:$PORT/apis/ccompat/v7 (pid $pid, log $LOG)"
  echo "$pid"
}

case "${1:-}" in
  build) cmd_build ;;
  up) cmd_up ;;
  *) die "usage: registry.sh build|up" ;;
esac
