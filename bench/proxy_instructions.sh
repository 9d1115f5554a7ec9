#!/usr/bin/env bash
# Instructions per relayed stream, imc serve against nginx, counted with valgrind's callgrind
# (docs/PERFORMANCE.md, "The proxy"). Timings at 256 streams move by a millisecond from run to run;
# this count does not (it moves by a fraction of a per cent), so it is the figure to follow a
# change of a few µs of CPU per stream by: at 256 streams on this project's 2-core machine each
# µs of a stream's CPU costs some 0.12 ms of the median first byte.
#
#   bench/proxy_instructions.sh [BUILD_DIR]   (default build/native-release)
#
# Each proxy runs alone under callgrind in front of the fake SSE upstream (nginx as one process,
# `master_process off`, configured as in proxy_vs_nginx.sh); a warm-up, then the count is zeroed
# and CONCURRENCY (64) streams at once, ROUNDS (4) times, go through it; DELTAS (10) per stream.
# Prints both proxies' instructions per stream and imc serve's by part (its event loops' turns:
# taking a chat from the browser, starting its upstream request, reading and relaying the
# upstream's response, ending the call). Under valgrind the proxies run some 50 times slower: the
# client's timings here mean nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/native-release}
for f in "$BUILD/imc" "$BUILD/bench/fake_sse_upstream" "$BUILD/bench/proxy_load_client"; do
  [[ -x $f ]] || { echo "missing $f: cmake --build $BUILD --target imc fake_sse_upstream proxy_load_client" >&2; exit 2; }
done
for tool in valgrind callgrind_control callgrind_annotate; do
  command -v $tool > /dev/null || { echo "$tool is not installed (apt-get install valgrind)" >&2; exit 2; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $NGINX ]] || { echo "nginx is not installed (apt-get install nginx-light)" >&2; exit 2; }
CONCURRENCY=${CONCURRENCY:-64}
ROUNDS=${ROUNDS:-4}

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { # wait_for FILE PATTERN
  for _ in $(seq 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  echo "timed out waiting for '$2' in $1:" >&2; cat "$1" >&2; exit 1
}

"$BUILD/bench/fake_sse_upstream" --deltas "${DELTAS:-10}" --interval-ms 5 > "$WORK/upstream.log" 2>&1 &
PIDS+=($!)
wait_for "$WORK/upstream.log" "listening on"
UPSTREAM=$(grep -o 'listening on [0-9]*' "$WORK/upstream.log" | grep -o '[0-9]*$')
DEAD=$(free_port) # the client measures three targets; the one not under count gets a closed port

# count NAME PID PORT TARGET: warm up, zero, stream, dump; prints the file's total. TARGET is the
# client's option naming the proxy (--nginx or --imc).
count() {
  local name=$1 pid=$2 port=$3 target=$4 others=()
  if [[ $target == --nginx ]]; then others=(--imc "$DEAD"); else others=(--nginx "$DEAD"); fi
  "$BUILD/bench/proxy_load_client" --direct "$UPSTREAM" "$target" "$port" "${others[@]}" \
    --concurrency "$CONCURRENCY" --rounds 2 --sequential 1 > "$WORK/$name.warm" 2>&1 || true
  callgrind_control -z "$pid" > /dev/null 2>&1
  "$BUILD/bench/proxy_load_client" --direct "$UPSTREAM" "$target" "$port" "${others[@]}" \
    --concurrency "$CONCURRENCY" --rounds "$ROUNDS" --sequential 0 --warmup 0 > "$WORK/$name.client" 2>&1 || true
  callgrind_control -d "$pid" > /dev/null 2>&1
  for _ in $(seq 100); do [[ -s $WORK/$name.cg.1 ]] && break; sleep 0.1; done
  [[ -s $WORK/$name.cg.1 ]] || { echo "no callgrind dump for $name" >&2; exit 1; }
}
# The streams a proxy served, from the client's table (its errors column must say 0).
served() { # served NAME LABEL
  local row
  row=$(grep -m1 "^$2 " "$WORK/$1.client")
  [[ $(awk '{print $NF}' <<< "$row") == 0 ]] || { echo "$2: streams failed under callgrind:" >&2; cat "$WORK/$1.client" >&2; exit 1; }
  grep -o '([0-9]* streams per target)' "$WORK/$1.client" | grep -o '[0-9]*' | head -1
}
total() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'; }

# imc serve
cat > "$WORK/endpoints.json" <<JSON
{"schema_version": 1, "endpoints": [{"name": "fake", "protocol": "openai",
  "base_url": "http://127.0.0.1:$UPSTREAM/v1", "model": "fake-model", "auth": {"type": "none"},
  "capabilities": {"images": false, "streaming": true}, "limits": {"concurrency": 1024}}]}
JSON
touch "$WORK/index.html"
valgrind --tool=callgrind --callgrind-out-file="$WORK/imc.cg" --dump-instr=no \
  "$BUILD/imc" serve --port 0 --config "$WORK/endpoints.json" --store "$WORK/store.db" \
  --pack assets/demo --web "$WORK" --rate-limit 0 --quiet > "$WORK/imc.log" 2>&1 &
IMC_PID=$!
PIDS+=($IMC_PID)
wait_for "$WORK/imc.log" "open http://"
IMC_PORT=$(grep -o '127.0.0.1:[0-9]*' "$WORK/imc.log" | head -1 | cut -d: -f2)
count imc "$IMC_PID" "$IMC_PORT" --imc
IMC_STREAMS=$(served imc "imc serve")
kill "$IMC_PID"; wait "$IMC_PID" 2>/dev/null || true

# nginx: one process, so that one count holds all its work.
NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx/logs" "$WORK/nginx/tmp"
USER_LINE=""
[[ $(id -u) == 0 ]] && USER_LINE="user root;"
cat > "$WORK/nginx/nginx.conf" <<CONF
$USER_LINE
worker_processes 1;
master_process off;
daemon off;
error_log $WORK/nginx/logs/error.log warn;
pid $WORK/nginx/nginx.pid;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/tmp/body; proxy_temp_path $WORK/nginx/tmp/proxy;
  fastcgi_temp_path $WORK/nginx/tmp/fastcgi; uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
  scgi_temp_path $WORK/nginx/tmp/scgi;
  upstream fake { server 127.0.0.1:$UPSTREAM; keepalive 8; }
  server {
    listen 127.0.0.1:$NGINX_PORT backlog=4096;
    tcp_nodelay on;
    location / {
      proxy_pass http://fake;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_cache off;
    }
  }
}
CONF
valgrind --tool=callgrind --callgrind-out-file="$WORK/nginx.cg" --dump-instr=no \
  "$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" > "$WORK/nginx.log" 2>&1 &
NGINX_PID=$!
PIDS+=($NGINX_PID)
for _ in $(seq 600); do curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/" && break; sleep 0.05; done
count nginx "$NGINX_PID" "$NGINX_PORT" --nginx
NGINX_STREAMS=$(served nginx "nginx")

IMC_TOTAL=$(total "$WORK/imc.cg.1")
NGINX_TOTAL=$(total "$WORK/nginx.cg.1")
echo "instructions per relayed stream ($CONCURRENCY streams at once, $ROUNDS rounds, ${DELTAS:-10} deltas each; callgrind):"
awk -v i="$IMC_TOTAL" -v n="$NGINX_TOTAL" -v is="$IMC_STREAMS" -v ns="$NGINX_STREAMS" \
  'BEGIN { printf "  imc serve %.1fk (%d streams), nginx %.1fk (%d streams): imc serve %.2f times nginx\n", i / is / 1000, is, n / ns / 1000, ns, (i / is) / (n / ns) }'

# imc serve by part: the inclusive counts of the event loop's steps, per stream.
callgrind_annotate --inclusive=yes --threshold=100 "$WORK/imc.cg.1" 2>/dev/null | sed -E 's/ \[[^]]*\]$//' > "$WORK/imc.inclusive"
part() { # part PATTERN: the inclusive count of the first function matching PATTERN
  grep -m1 -E "$1" "$WORK/imc.inclusive" | awk '{gsub(",", "", $1); print $1 + 0}' || echo 0
}
TAKE=$(part 'ApiHttpServer::Server::serve_chat_lane\(')
START=$(part 'StreamEngine::Impl::start\(std::unique_ptr')
READ=$(part 'StreamEngine::Impl::own_io\(')
END=$(part 'StreamEngine::Impl::end_attempt\(')
awk -v t="$TAKE" -v s="$START" -v r="$READ" -v e="$END" -v all="$IMC_TOTAL" -v n="$IMC_STREAMS" \
  'BEGIN { printf "  imc serve by part: taking the chat %.1fk, starting its upstream request %.1fk, reading and relaying the response %.1fk, ending the call %.1fk, the rest %.1fk\n", t / n / 1000, s / n / 1000, (r - e) / n / 1000, e / n / 1000, (all - t - s - r) / n / 1000 }'
