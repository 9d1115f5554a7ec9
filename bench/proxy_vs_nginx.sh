#!/usr/bin/env bash
# The proxy's added latency against nginx, measured in the same run (docs/PERFORMANCE.md,
# "Proxy"): the fake SSE upstream (bench/proxy/fake_sse_upstream.cpp) is streamed directly,
# through Debian's nginx (proxy_buffering off, 8 kept-alive upstream connections per worker, as
# imc serve's transport keeps per core) and through
# `imc serve`, at 1, 64 and 256 concurrent streams (bench/proxy/proxy_load_client.cpp). Prints
# time to first byte and total time, p50 and p99, what each proxy adds, and imc serve's peak RSS.
#
#   bench/proxy_vs_nginx.sh [BUILD_DIR]     (default build/native-release; needs its imc,
#                                            fake_sse_upstream and proxy_load_client targets)
# Environment: DELTAS (10) and INTERVAL_MS (5) shape each stream; ROUNDS (12) and SEQUENTIAL (400)
# how many streams are measured (a p99 is decided by the slowest few: of 200 sequential streams
# the second slowest, of 6 bursts mostly the worst one; on this project's VM one hiccup moved it
# by several ms, either way, so each target gets twice those); CONCURRENCY (1,64,256);
# IMC_PRELOAD, a library LD_PRELOADed into imc serve (to try another allocator, say); SAMPLES, a
# file to write every stream to as CSV (when it started, its TTFB and total time).
# CONTROL=1, a second nginx as a control (above; its CPU and RSS are not in the figures below);
# RUNS=N repeats the measurement N times and judges the median of each figure over the runs (one
# disturbed stretch moves a run's p99s by milliseconds either way; the control shows how much),
# and prints the figures over all the runs' streams pooled (reported, not judged). STEPS=N, N more
# one-at-a-time streams traced with perf (below). SCHED=N, N more bursts of 256 recorded with
# `perf sched` (below): how long each proxy's threads wait for a CPU once woken.
# PHASES=1, where a burst's time goes: when each round's requests reached the upstream and when
# their first bytes came back, per target (proxy_load_client --phases).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/native-release}
source bench/proxy_common.sh
proxy_check_tools
if [[ ${STEPS:-0} -gt 0 || ${SCHED:-0} -gt 0 ]]; then # checked before the measurement, not after it
  command -v perf > /dev/null || { echo "STEPS and SCHED need perf (apt-get install linux-perf)" >&2; exit 2; }
fi

# Other work on the machine should disturb the measurement as little as possible: as root, every
# process of the benchmark (upstream, both proxies, the client) runs at nice -10.
if [[ $(id -u) == 0 ]]; then renice -n -10 $$ > /dev/null; fi

# The upstream.
UPSTREAM_ARGS=()
PHASES_ARG=""
if [[ ${PHASES:-0} == 1 ]]; then UPSTREAM_ARGS=(--record-arrivals); PHASES_ARG=--phases; fi
start_upstream "${UPSTREAM_ARGS[@]}"

# nginx (bench/proxy_common.sh's configuration, a worker per core): start_nginx DIR PORT.
start_nginx() {
  write_nginx_conf "$1" "$2" auto
  "$NGINX" -p "$1" -c "$1/nginx.conf" -g 'daemon off;' > "$1.log" 2>&1 &
}
NGINX_PORT=$(free_port)
start_nginx "$WORK/nginx" "$NGINX_PORT"
NGINX_PID=$!
PIDS+=($NGINX_PID)
# CONTROL=1: a second nginx, configured as the first, as a fourth target judged against the first
# by the same rule (proxy_load_client --control): how often the rule fails an identical proxy.
CONTROL_ARGS=()
if [[ ${CONTROL:-0} == 1 ]]; then
  CONTROL_PORT=$(free_port)
  start_nginx "$WORK/nginx2" "$CONTROL_PORT"
  PIDS+=($!)
  CONTROL_ARGS=(--control "$CONTROL_PORT")
fi

# imc serve, with one endpoint at the upstream.
write_imc_config
${IMC_PRELOAD:+env LD_PRELOAD=$IMC_PRELOAD} "$BUILD/imc" serve "${IMC_ARGS[@]}" > "$WORK/imc.log" 2>&1 &
IMC_PID=$!
PIDS+=($IMC_PID)
wait_for "$WORK/imc.log" "open http://"
IMC_PORT=$(imc_port)
wait_http "$NGINX_PORT"
if [[ -n ${CONTROL_PORT:-} ]]; then wait_http "$CONTROL_PORT"; fi

echo "upstream :$UPSTREAM  nginx :$NGINX_PORT ($($NGINX -v 2>&1 | cut -d/ -f2))  imc serve :$IMC_PORT"
echo "streams: ${DELTAS:-10} deltas, ${INTERVAL_MS:-5} ms apart; $(nproc) cores"
# CPU time (user + system, clock ticks) of a process and its threads; for nginx, master and workers.
cpu_ticks() { local t=0; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' /proc/$p/stat 2>/dev/null || echo 0))); done; echo $t; }
sys_ticks() { local t=0; for p in "$@"; do t=$((t + $(awk '{print $15}' /proc/$p/stat 2>/dev/null || echo 0))); done; echo $t; }
NGINX_PIDS="$NGINX_PID $(pgrep -P $NGINX_PID | tr '\n' ' ')" # the master and its workers
# Context switches (voluntary + involuntary) of every thread of a process; for nginx, of each process.
switches() { local t=0; for p in "$@"; do for f in /proc/$p/task/*/status; do t=$((t + $(awk '/ctxt_switches/{s+=$2} END{print s+0}' "$f" 2>/dev/null || echo 0))); done; done; echo $t; }
# CPU time of imc serve's threads, summed by thread name (imc-loop, imc-conn, ...).
thread_ticks() { for f in /proc/$1/task/*/stat; do sed -E 's/^[0-9]+ \(([^)]*)\) /\1 /' "$f" | awk '{print $1, $13 + $14}'; done 2>/dev/null | awk '{t[$1]+=$2} END{for (n in t) print n, t[n]}' | sort; }
# Context switches of imc serve's threads, summed by thread name.
thread_switches() { for f in /proc/$1/task/*; do echo "$(cat $f/comm) $(awk '/ctxt_switches/{s+=$2} END{print s+0}' $f/status)"; done 2>/dev/null | awk '{t[$1]+=$2} END{for (n in t) print n, t[n]}' | sort; }
thread_ticks $IMC_PID > "$WORK/threads0"
thread_switches $IMC_PID > "$WORK/switches0"
IMC_CPU0=$(cpu_ticks $IMC_PID); NGINX_CPU0=$(cpu_ticks $NGINX_PIDS)
IMC_CS0=$(switches $IMC_PID); NGINX_CS0=$(switches $NGINX_PIDS)
IMC_SYS0=$(sys_ticks $IMC_PID); NGINX_SYS0=$(sys_ticks $NGINX_PIDS)
status=0
"$BUILD/bench/proxy_load_client" --direct "$UPSTREAM" --nginx "$NGINX_PORT" --imc "$IMC_PORT" \
  --concurrency "${CONCURRENCY:-1,64,256}" --rounds "${ROUNDS:-12}" --sequential "${SEQUENTIAL:-400}" \
  --runs "${RUNS:-1}" ${SAMPLES:+--samples "$SAMPLES"} "${CONTROL_ARGS[@]}" \
  ${PHASES_ARG:-} | tee "$WORK/client.log" || status=$?
IMC_CPU=$(( $(cpu_ticks $IMC_PID) - IMC_CPU0 )); NGINX_CPU=$(( $(cpu_ticks $NGINX_PIDS) - NGINX_CPU0 ))
IMC_CS=$(( $(switches $IMC_PID) - IMC_CS0 )); NGINX_CS=$(( $(switches $NGINX_PIDS) - NGINX_CS0 ))
IMC_SYS=$(( $(sys_ticks $IMC_PID) - IMC_SYS0 )); NGINX_SYS=$(( $(sys_ticks $NGINX_PIDS) - NGINX_SYS0 ))
HZ=$(getconf CLK_TCK)
echo
echo "CPU used during the run (the same streams through each): imc serve $(awk "BEGIN{print $IMC_CPU / $HZ}") s ($(awk "BEGIN{print $IMC_SYS / $HZ}") s in the kernel), nginx $(awk "BEGIN{print $NGINX_CPU / $HZ}") s ($(awk "BEGIN{print $NGINX_SYS / $HZ}") s in the kernel)"
# The same per stream (every stream through each proxy, one-at-a-time and bursts, over the runs):
# at 256 streams on two saturated cores each µs of a stream's CPU costs about 0.12 ms of the
# median first byte (docs/PERFORMANCE.md, "Two loops per core"). It moves by some 10 % from run to
# run (the user / kernel split is the kernel's estimate): a change of a few µs needs a profile.
# The count is the client's: the "(N streams per target)" of each level of each run, summed.
STREAMS=$(grep -o '([0-9]* streams per target)' "$WORK/client.log" | grep -o '[0-9]*' | awk '{n += $1} END {print n + 0}')
[[ $STREAMS -gt 0 ]] || STREAMS=1 # (no level finished: the figures are then per nothing)
echo "CPU per stream ($STREAMS streams through each): imc serve $(awk "BEGIN{printf \"%.1f\", ($IMC_CPU - $IMC_SYS) / $HZ / $STREAMS * 1e6}") µs user + $(awk "BEGIN{printf \"%.1f\", $IMC_SYS / $HZ / $STREAMS * 1e6}") µs kernel, nginx $(awk "BEGIN{printf \"%.1f\", ($NGINX_CPU - $NGINX_SYS) / $HZ / $STREAMS * 1e6}") µs user + $(awk "BEGIN{printf \"%.1f\", $NGINX_SYS / $HZ / $STREAMS * 1e6}") µs kernel"
thread_ticks $IMC_PID > "$WORK/threads1"
echo "imc serve CPU by thread name: $(join -a2 -e0 -o 0,1.2,2.2 "$WORK/threads0" "$WORK/threads1" | awk -v hz="$HZ" '{printf "%s %.2f s; ", $1, ($3 - $2) / hz}')"
thread_switches $IMC_PID > "$WORK/switches1"
echo "context switches during the run: imc serve $IMC_CS, nginx $NGINX_CS"
echo "imc serve context switches by thread name: $(join -a2 -e0 -o 0,1.2,2.2 "$WORK/switches0" "$WORK/switches1" | awk '{printf "%s %d; ", $1, $3 - $2}')"
echo "imc serve peak RSS: $(grep VmHWM /proc/$IMC_PID/status | awk '{print $2 / 1024 " MiB"}'), threads now: $(grep Threads /proc/$IMC_PID/status | awk '{print $2}')"
NGINX_RSS=0
for p in $NGINX_PIDS; do
  NGINX_RSS=$((NGINX_RSS + $(grep VmHWM /proc/$p/status 2>/dev/null | awk '{print $2}' || echo 0)))
done
echo "nginx peak RSS (master + workers): $((NGINX_RSS / 1024)) MiB"

# STEPS=N: N more one-at-a-time streams with `perf trace` on imc serve's threads and nginx's
# workers, and each proxy's steps from them (bench/proxy/trace_steps.py: the request read -> sent
# upstream -> the answer read -> relayed). Tracing slows every system call a little; these streams
# are not in the figures above.
if [[ ${STEPS:-0} -gt 0 ]]; then
  echo
  perf trace -p "$IMC_PID" -o "$WORK/trace.imc" 2> "$WORK/perf-imc.log" &
  TRACE_IMC=$!
  perf trace -p "$(pgrep -P $NGINX_PID | paste -sd,)" -o "$WORK/trace.nginx" 2> "$WORK/perf-nginx.log" &
  TRACE_NGINX=$!
  sleep 1
  "$BUILD/bench/proxy_load_client" --direct "$UPSTREAM" --nginx "$NGINX_PORT" --imc "$IMC_PORT" \
    --concurrency 1 --rounds 1 --sequential "$STEPS" > /dev/null || true # its verdict is not this one's
  kill -INT $TRACE_IMC $TRACE_NGINX 2> /dev/null || true
  wait $TRACE_IMC $TRACE_NGINX 2> /dev/null || true
  for f in imc nginx; do
    [[ -s $WORK/trace.$f ]] || { echo "perf trace recorded nothing for $f (root, or kernel.perf_event_paranoid <= 1, is needed):" >&2; cat "$WORK/perf-$f.log" >&2; exit 2; }
  done
  echo "one-at-a-time streams step by step (perf trace), medians:"
  python3 bench/proxy/trace_steps.py "imc=$WORK/trace.imc" "nginx=$WORK/trace.nginx"
fi
# SCHED=N: N more bursts of 256 streams (each target in turn, as above) under `perf sched record`
# for the whole machine, then each proxy's threads from `perf sched latency`: how often they were
# switched in, and how long, once woken (or preempted), they waited for a CPU — on average and at
# most. Under a burst every thread of the client and the upstream is runnable too, so a proxy
# thread that must wake to take a connection waits its turn (docs/PERFORMANCE.md, "The chat
# lane"). These bursts are not in the figures above.
if [[ ${SCHED:-0} -gt 0 ]]; then
  echo
  perf sched record -a -o "$WORK/sched.data" -- "$BUILD/bench/proxy_load_client" \
    --direct "$UPSTREAM" --nginx "$NGINX_PORT" --imc "$IMC_PORT" --concurrency 256 \
    --rounds "$SCHED" --sequential 1 > /dev/null 2> "$WORK/sched.log" || true
  [[ -s $WORK/sched.data ]] || { echo "perf sched recorded nothing (root, or kernel.perf_event_paranoid <= 1, is needed):" >&2; cat "$WORK/sched.log" >&2; exit 2; }
  echo "waits for a CPU over $SCHED more bursts of 256 (perf sched latency; nginx: its processes):"
  perf sched latency -i "$WORK/sched.data" 2> /dev/null |
    awk -F'|' '/imc-conn|imc-loop|^ *nginx:/ {gsub(/ +/, " "); print " ", $1 "| switches" $3 "|" $4 "|" $5}'
fi
exit $status
