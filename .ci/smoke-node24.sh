#!/usr/bin/env bash
# Smoke run on Node 24 LTS, what new users install: the README's start (`bin/jingtu.js serve`, the built JavaScript, on the
# embedded database in a fresh folder), /readyz, a key from `jingtu keys create`, one GraphQL query, a
# `jingtu sync push` of a one-record file and a `jingtu sync pull`. Node 24 comes from npm's `node@24`
# package, cached outside the repository. Exits non-zero with one `smoke-node24:` line on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

CACHE="${TMPDIR:-/tmp}/jingtu-node24"
NODE="$CACHE/node_modules/.bin/node"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/jingtu-smoke-node24.XXXXXX")
HUB_PID=

fail() {
  echo "smoke-node24: $*" >&2
  if [[ -s "$WORK/hub.log" ]]; then
    echo "--- hub output (last 40 lines)" >&2
    tail -n 40 "$WORK/hub.log" >&2
  fi
  exit 1
}

cleanup() {
  if [[ -n "$HUB_PID" ]] && kill -0 "$HUB_PID" 2>/dev/null; then kill -KILL "$HUB_PID" 2>/dev/null; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

started=$SECONDS

if ! [[ -x "$NODE" && "$("$NODE" --version 2>/dev/null)" == v24.* ]]; then
  echo "installing node@24 into $CACHE"
  mkdir -p "$CACHE" || fail "cannot create $CACHE"
  npm install --prefix "$CACHE" --no-save --no-audit --no-fund --loglevel=error node@24 >"$WORK/npm.log" 2>&1 ||
    { cat "$WORK/npm.log" >&2; fail "npm install node@24 into $CACHE failed"; }
fi
version=$("$NODE" --version 2>/dev/null) || fail "$NODE does not run"
[[ "$version" == v24.* ]] || fail "$NODE is $version, not Node 24"
echo "node $version"

# Children that run `node` (the jingtu command's own) get Node 24 too.
export PATH="$(dirname "$NODE"):$PATH"
unset DATABASE_URL JINGTU_KEY
export JINGTU_DATA_DIR="$WORK/data" LOG_LEVEL=warn JINGTU_JOBS=off
PORT=$("$NODE" -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })') ||
  fail "no free port"
export PORT
URL="http://127.0.0.1:$PORT"

"$NODE" bin/jingtu.js serve >"$WORK/hub.log" 2>&1 &
HUB_PID=$!

ready=
for _ in $(seq 1 180); do
  kill -0 "$HUB_PID" 2>/dev/null || fail "the hub exited during start"
  if [[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz")" == 200 ]]; then ready=1 && break; fi
  sleep 1
done
[[ -n "$ready" ]] || fail "the hub was not ready on $URL/readyz after 180 s"
echo "hub ready on $URL after $((SECONDS - started)) s"

jingtu() { "$NODE" bin/jingtu.js "$@"; }

created=$(jingtu keys create --principal HOUSING --name "smoke node24" 2>"$WORK/keys.err") ||
  fail "jingtu keys create failed: $(cat "$WORK/keys.err")"
KEY=$(tail -n 1 <<<"$created")
[[ "$KEY" == jt_* ]] || fail "jingtu keys create printed no key: $created"

answer=$(curl -s -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \
  --data '{"query":"{ constructionPermits(first: 1) { totalCount } }"}' "$URL/graphql") ||
  fail "the GraphQL request failed"
grep -Eq '^\{"data":\{"constructionPermits":\{"totalCount":[1-9][0-9]*\}\}[,}]' <<<"$answer" ||
  fail "unexpected GraphQL answer: $answer"
echo "query: $answer"

PERMIT="[2026]施[朝]建字9024号"
printf '%s\n' "{\"permitNo\":\"$PERMIT\",\"projectName\":\"Node 24 冒烟测试工程\",\"district\":\"110105\",\"issuedOn\":\"2026-01-15\"}" \
  >"$WORK/permit.ndjson"
sync_args=(--url "$URL" --key "$KEY" --dataset constructionPermit)
pushed=$(CI=1 jingtu sync push "${sync_args[@]}" --file "$WORK/permit.ndjson" 2>&1) ||
  fail "jingtu sync push failed: $pushed"
grep -q '^pushed constructionPermit: 1 received, 1 inserted' <<<"$pushed" || fail "unexpected push result: $pushed"
echo "$pushed"

pulled=$(CI=1 jingtu sync pull "${sync_args[@]}" --state "$WORK/pull-state.json" --out "$WORK/changes.ndjson" 2>&1) ||
  fail "jingtu sync pull failed: $pulled"
grep -qF "\"permitNo\":\"$PERMIT\"" "$WORK/changes.ndjson" || fail "the pulled changes lack the pushed permit: $pulled"
[[ -s "$WORK/pull-state.json" ]] || fail "jingtu sync pull kept no state"
echo "$pulled"

kill -TERM "$HUB_PID"
for _ in $(seq 1 30); do kill -0 "$HUB_PID" 2>/dev/null || break; sleep 1; done
kill -0 "$HUB_PID" 2>/dev/null && fail "the hub did not stop within 30 s of SIGTERM"
wait "$HUB_PID"
code=$?
HUB_PID=
[[ "$code" == 0 ]] || fail "the hub exited with $code on SIGTERM"
echo "smoke run on Node $version passed in $((SECONDS - started)) s"
