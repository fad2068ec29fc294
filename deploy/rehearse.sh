#!/usr/bin/env bash
# Rehearse docs/deploy.md on one machine: every step of the guide, in order, with the files in
# deploy/, on loopback addresses instead of three machines. It needs what the guide needs:
# PostgreSQL (a role that may create databases), Debian's nginx, openssl, curl and pg_dump.
# It leaves nothing behind: its databases are dropped and its processes stopped.
#
#   deploy/rehearse.sh                      # uses bin/roundtable (make build)
#   ROUNDTABLE_BIN=... PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres deploy/rehearse.sh
#
# It prints each step as it goes and "REHEARSAL PASSED" at the end; any failure stops it with
# the step's name.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${ROUNDTABLE_BIN:-bin/roundtable}")
NEW_BIN=$(realpath "${ROUNDTABLE_NEW_BIN:-$BIN}") # the version to upgrade to; the same one by default
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
AUTHORITIES=${AUTHORITIES:-../shared/data/uk_local_authorities.csv}
NGINX=${NGINX:-/usr/sbin/nginx}

step() { printf '\n== %s ==\n' "$*"; }
fail() { printf 'REHEARSAL FAILED: %s\n' "$*" >&2; exit 1; }
for tool in "$BIN" "$NGINX" openssl curl pg_dump pg_restore psql; do
  command -v "$tool" >/dev/null || fail "$tool is missing (see docs/deploy.md, 'What you need')"
done

WORK=$(mktemp -d)
RUN=$(date +%s)$$
DB=roundtable_rehearsal_$RUN
RESTORED=roundtable_restored_$RUN
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$WORK/nginx/nginx.pid" ] && kill -QUIT "$(cat "$WORK/nginx/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  psql -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "DROP DATABASE IF EXISTS $RESTORED WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# A free loopback port: one nothing answers on.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
url_with_db() { # the admin URL with another database name
  local base=${PG_ADMIN_URL%%\?*} query=""
  [[ $PG_ADMIN_URL == *\?* ]] && query="?${PG_ADMIN_URL#*\?}"
  echo "${base%/*}/$1$query"
}
wait_ready() { # wait_ready URL: until it answers 200, 30 s at most
  for _ in $(seq 150); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" = 200 ] && return 0
    sleep 0.2
  done
  fail "$1 did not become ready"
}

step "1. The database: one PostgreSQL database for every server"
psql -q "$PG_ADMIN_URL" -c "CREATE DATABASE $DB" >/dev/null
export DATABASE_URL
DATABASE_URL=$(url_with_db "$DB")
echo "created $DB"

step "2. Install: migrate once, import the council register"
"$BIN" migrate --plan | tail -1
"$BIN" migrate
"$BIN" import authorities "$AUTHORITIES"

step "3. Settings: the environment file, one per server"
P1=$(free_port); P2=$(free_port); HTTPS=$(free_port); HTTP=$(free_port)
BASE="https://localhost:$HTTPS"
# deploy/roundtable.env with this machine's addresses, as an administrator would edit it.
sed -e "s|^DATABASE_URL=.*|DATABASE_URL=$DATABASE_URL|" \
  -e "s|^ROUNDTABLE_BASE_URL=.*|ROUNDTABLE_BASE_URL=$BASE|" \
  -e "s|^ROUNDTABLE_TRUSTED_PROXIES=.*|ROUNDTABLE_TRUSTED_PROXIES=127.0.0.1/32|" \
  -e "s|^ROUNDTABLE_DRAIN=.*|ROUNDTABLE_DRAIN=2s|" \
  -e "s|^ROUNDTABLE_SMTP_.*||" \
  -e "s|^ROUNDTABLE_OUTBOX_POLL=.*|ROUNDTABLE_OUTBOX_POLL=2s|" \
  deploy/roundtable.env >"$WORK/roundtable.env"
grep -q "^ROUNDTABLE_TRUSTED_PROXIES=127.0.0.1/32$" "$WORK/roundtable.env" || fail "deploy/roundtable.env has no ROUNDTABLE_TRUSTED_PROXIES line"
if command -v systemd-analyze >/dev/null; then
  # The unit as installed, pointing at this binary and settings.
  sed -e "s|/usr/local/bin/roundtable|$BIN|" -e "s|/etc/roundtable/roundtable.env|$WORK/roundtable.env|" \
    deploy/systemd/roundtable.service >"$WORK/roundtable.service"
  problems=$(systemd-analyze verify "$WORK/roundtable.service" 2>&1 | grep -v "User=roundtable\|Group=roundtable\|unknown user\|group" || true)
  [ -z "$problems" ] || fail "systemd-analyze verify: $problems"
  echo "systemd-analyze verify: the unit is well formed"
fi

# start_server N PORT BINARY: as systemd would, with the environment file.
start_server() {
  (
    set -a
    # shellcheck disable=SC1090
    . "$WORK/roundtable.env"
    set +a
    ROUNDTABLE_ADDR=127.0.0.1:$2 exec "$3" serve
  ) >>"$WORK/server$1.log" 2>&1 &
  PIDS[$1]=$!
  wait_ready "http://127.0.0.1:$2/readyz"
}

step "4. Two servers"
start_server 1 "$P1" "$BIN"
start_server 2 "$P2" "$BIN"
echo "serving on 127.0.0.1:$P1 and 127.0.0.1:$P2"

step "5. nginx in front, with TLS"
mkdir -p "$WORK/nginx"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" \
  -keyout "$WORK/nginx/privkey.pem" -out "$WORK/nginx/fullchain.pem" 2>/dev/null
# deploy/nginx/roundtable.conf with this machine's addresses and certificate.
sed -e "/server 10.0.0.11:8080/s|10.0.0.11:8080|127.0.0.1:$P1|" \
  -e "/server 10.0.0.12:8080/s|10.0.0.12:8080|127.0.0.1:$P2|" \
  -e "s|listen 80;|listen 127.0.0.1:$HTTP;|" -e "s|listen 443 ssl http2;|listen 127.0.0.1:$HTTPS ssl http2;|" \
  -e "/listen \[::\]/d" -e "s|server_name roundtable.example.org;|server_name localhost;|" \
  -e "s|/etc/letsencrypt/live/roundtable.example.org|$WORK/nginx|" \
  deploy/nginx/roundtable.conf >"$WORK/nginx/roundtable.conf"
grep -q "127.0.0.1:$P1" "$WORK/nginx/roundtable.conf" && grep -q "127.0.0.1:$HTTPS ssl" "$WORK/nginx/roundtable.conf" ||
  fail "deploy/nginx/roundtable.conf no longer has the lines this rehearsal fills in"
# Debian's nginx.conf includes sites-enabled/* inside http { }; this one does the same.
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  include $WORK/nginx/roundtable.conf;
}
EOF
"$NGINX" -t -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" 2>&1 | tail -1
"$NGINX" -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf"
CURL=(curl -s --cacert "$WORK/nginx/fullchain.pem")
redirect=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://localhost:$HTTP/councils" || true)
[[ $redirect == "301 https://localhost/councils" ]] || fail "plain HTTP does not send people to HTTPS: $redirect"
for _ in $(seq 50); do [ "$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$BASE/readyz")" = 200 ] && break; sleep 0.2; done
[ "$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$BASE/councils")" = 200 ] || fail "the councils page through nginx"
cookie=$("${CURL[@]}" -o /dev/null -D - "$BASE/sign-in" | grep -i '^set-cookie' || true)
echo "through nginx over TLS: /councils answers 200"
if [ -n "$cookie" ] && ! grep -qi "secure" <<<"$cookie"; then fail "a cookie over HTTPS is not Secure: $cookie"; fi

step "6. Backups with pg_dump, and a restore that is checked"
pg_dump --format=custom --file="$WORK/roundtable.dump" "$DATABASE_URL"
psql -q "$PG_ADMIN_URL" -c "CREATE DATABASE $RESTORED" >/dev/null
pg_restore --no-owner --dbname="$(url_with_db "$RESTORED")" "$WORK/roundtable.dump"
count() { psql -tA "$1" -c "SELECT (SELECT count(*) FROM councils) || ' councils, ' || (SELECT count(*) FROM schema_migrations) || ' migrations'"; }
[ "$(count "$DATABASE_URL")" = "$(count "$(url_with_db "$RESTORED")")" ] || fail "the restored copy differs"
DATABASE_URL=$(url_with_db "$RESTORED") "$BIN" audit verify | tail -1
echo "backup of $(du -h "$WORK/roundtable.dump" | cut -f1) restored: $(count "$(url_with_db "$RESTORED")")"

step "7. Upgrade one server at a time, with people using the service"
"$NEW_BIN" migrate --plan | tail -1
"$NEW_BIN" migrate --plan | grep -q "NOT safe" && fail "this upgrade cannot roll: follow 'Upgrades that cannot roll'"
# Someone keeps reading pages through nginx the whole time; every answer must be a 200.
(
  n=0 bad=0
  while [ ! -f "$WORK/stop" ]; do
    code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$BASE/councils/E06000032" || echo 000)
    n=$((n + 1)); [ "$code" = 200 ] || { bad=$((bad + 1)); echo "answer $code at $(date +%T.%N)" >>"$WORK/bad"; }
  done
  echo "$n $bad" >"$WORK/reader"
) &
READER=$!
for i in 1 2; do
  port=$P1; [ "$i" = 2 ] && port=$P2
  kill -TERM "${PIDS[$i]}"
  # While it drains, /readyz says so (a load balancer with health checks stops sending here).
  drained=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true)
  wait "${PIDS[$i]}" || fail "server $i did not stop cleanly (see its log)"
  start_server "$i" "$port" "$NEW_BIN"
  # nginx skips a server for fail_timeout after it failed; wait that out before the next one
  # stops, or for a moment nginx would think neither server is there.
  sleep 6
  echo "server $i: drained (readyz $drained), stopped, started on the new version, back in nginx's rotation"
  [ "$drained" = 503 ] || fail "server $i's /readyz answered $drained while draining, not 503"
done
touch "$WORK/stop"
wait "$READER"
read -r reads bad <"$WORK/reader"
echo "a reader through nginx during the upgrade: $reads pages, $bad not served"
[ "$reads" -gt 0 ] && [ "$bad" = 0 ] || fail "$bad pages were not served during the upgrade: $(tr '\n' ' ' <"$WORK/bad")"

printf '\nREHEARSAL PASSED\n'
