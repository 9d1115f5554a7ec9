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
source bench/proxy_common.sh
proxy_check_tools
for tool in valgrind callgrind_control callgrind_annotate; do
  command -v $tool > /dev/null || { echo "$tool is not installed (apt-get install valgrind)" >&2; exit 2; }
done
CONCURRENCY=${CONCURRENCY:-64}
ROUNDS=${ROUNDS:-4}

start_upstream
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
write_imc_config
valgrind --tool=callgrind --callgrind-out-file="$WORK/imc.cg" --dump-instr=no \
  "$BUILD/imc" serve "${IMC_ARGS[@]}" > "$WORK/imc.log" 2>&1 &
IMC_PID=$!
PIDS+=($IMC_PID)
wait_for "$WORK/imc.log" "open http://" 600
IMC_PORT=$(imc_port)
count imc "$IMC_PID" "$IMC_PORT" --imc
IMC_STREAMS=$(served imc "imc serve")
kill "$IMC_PID"; wait "$IMC_PID" 2>/dev/null || true

# nginx: proxy_vs_nginx.sh's configuration as one process, so that one count holds all its work.
NGINX_PORT=$(free_port)
write_nginx_conf "$WORK/nginx" "$NGINX_PORT" 1
valgrind --tool=callgrind --callgrind-out-file="$WORK/nginx.cg" --dump-instr=no \
  "$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off; master_process off;' \
  > "$WORK/nginx.log" 2>&1 &
NGINX_PID=$!
PIDS+=($NGINX_PID)
wait_http "$NGINX_PORT" 600
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
