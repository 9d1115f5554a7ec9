#!/usr/bin/env bash
# `imc report` against the same aggregation written with pandas (bench/report_pandas.py), side
# by side on one store of 1,000,000 juror verdicts over 100,000 transcripts (5 clinicians x 4
# conditions x 5,000 cases; 3 jurors on every dimension and one more on safety), 1,000 bootstrap
# replicates each. Prints wall-clock and CPU seconds, peak memory (max RSS, from /usr/bin/time of
# Debian's `time` package) and the ratios; checks that pandas found imc's point estimates.
#
#   bench/report_vs_pandas.sh            # builds what is missing in build/native-release
#
# Environment: IMC_BUILD (default build/native-release), IMC_BIN (default $IMC_BUILD/imc),
# IMC_REPORT_SYNTH (default $IMC_BUILD/bench/report_synth_store), IMC_REPORT_BENCH_DATA (the
# store and pack, built once and kept; default build/bench-report/store-100k), RUNS (imc runs,
# the median counts; default 3), PYTHON (default /usr/bin/python3, Debian's, with pandas).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${IMC_BUILD:-$ROOT/build/native-release}
IMC=${IMC_BIN:-$BUILD/imc}
SYNTH=${IMC_REPORT_SYNTH:-$BUILD/bench/report_synth_store}
DATA=${IMC_REPORT_BENCH_DATA:-$ROOT/build/bench-report/store-100k}
RUNS=${RUNS:-3}
PYTHON=${PYTHON:-/usr/bin/python3}
REPLICATES=1000
RUN_ID=synthetic-run

[ -x /usr/bin/time ] || { echo "report_vs_pandas: /usr/bin/time is missing: apt-get install time" >&2; exit 2; }
"$PYTHON" -c 'import pandas' 2>/dev/null || { echo "report_vs_pandas: $PYTHON has no pandas: apt-get install python3-pandas" >&2; exit 2; }
if [ ! -x "$IMC" ] || [ ! -x "$SYNTH" ]; then
  echo "report_vs_pandas: building imc and report_synth_store in $BUILD" >&2
  cmake --build "$BUILD" --target imc report_synth_store
fi
if [ ! -f "$DATA/store.sqlite" ]; then
  echo "report_vs_pandas: writing the store once into $DATA (about a minute)" >&2
  rm -rf "$DATA"
  "$SYNTH" --out "$DATA" --cases 5000 --clinicians 5 --conditions 4 --jurors 3 --extra-safety-juror
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# measure NAME COMMAND...: appends "NAME wall user sys maxrss_kb" to $tmp/results.
measure() {
  local name=$1
  shift
  /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || {
    echo "report_vs_pandas: $name failed:" >&2
    cat "$tmp/$name.err" >&2
    exit 1
  }
  echo "$name $(cat "$tmp/time")" >>"$tmp/results"
}

# One untimed pass reads the store into the page cache for both tools alike.
cat "$DATA/store.sqlite" >/dev/null
for i in $(seq "$RUNS"); do
  measure "imc-$i" "$IMC" report --store "$DATA/store.sqlite" --run "$RUN_ID" --format json \
    --out "$tmp/report.json" --pack "$DATA/pack" --replicates "$REPLICATES" --seed 1
done
measure pandas "$PYTHON" "$ROOT/bench/report_pandas.py" --store "$DATA/store.sqlite" --run "$RUN_ID" \
  --pack "$DATA/pack" --replicates "$REPLICATES" --check "$tmp/report.json"
measure numpy "$PYTHON" "$ROOT/bench/report_pandas.py" --store "$DATA/store.sqlite" --run "$RUN_ID" \
  --pack "$DATA/pack" --replicates "$REPLICATES" --numpy

echo "imc report vs pandas: $(grep -o '[0-9]* transcripts, [0-9]* verdicts' "$tmp/imc-1.err" | head -1), $REPLICATES bootstrap replicates; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
tail -1 "$tmp/imc-1.err"
grep 'report_pandas:' "$tmp/pandas.err" || true
awk -v runs="$RUNS" '
  function cpu(u, s) { return u + s }
  /^imc-/ { n++; wall[n] = $2; c[n] = cpu($3, $4); rss[n] = $5 }
  /^pandas / { pw = $2; pc = cpu($3, $4); pr = $5 }
  /^numpy / { nw = $2; nc = cpu($3, $4); nr = $5 }
  END {
    # Medians of the imc runs (wall and CPU each).
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) {
      if (wall[j] < wall[i]) { t = wall[i]; wall[i] = wall[j]; wall[j] = t }
      if (c[j] < c[i]) { t = c[i]; c[i] = c[j]; c[j] = t }
      if (rss[j] < rss[i]) { t = rss[i]; rss[i] = rss[j]; rss[j] = t }
    }
    m = int((n + 1) / 2)
    printf "%-34s %9s %9s %12s\n", "", "wall s", "CPU s", "peak RSS MB"
    printf "%-34s %9.2f %9.2f %12.0f\n", "imc report (median of " n ")", wall[m], c[m], rss[m] / 1024
    printf "%-34s %9.2f %9.2f %12.0f\n", "pandas (groupby per replicate)", pw, pc, pr / 1024
    printf "%-34s %9.2f %9.2f %12.0f\n", "pandas + numpy bincount", nw, nc, nr / 1024
    printf "ratio pandas / imc: %.1fx wall, %.1fx CPU; pandas+numpy / imc: %.1fx wall, %.1fx CPU\n",
           pw / wall[m], pc / c[m], nw / wall[m], nc / c[m]
    printf "imc report under 2 s wall: %s\n", wall[m] < 2 ? "yes" : "NO"
  }' "$tmp/results"
