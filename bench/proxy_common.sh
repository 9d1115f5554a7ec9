# Sourced by bench/proxy_vs_nginx.sh and bench/proxy_instructions.sh: the same upstream, the same
# nginx configuration and the same imc serve endpoint for both, so that what one measures is what
# the other counts. Expects BUILD (the build folder) and runs from the checkout's root.

# The binaries both scripts need; nginx's path in NGINX.
proxy_check_tools() {
  local f
  for f in "$BUILD/imc" "$BUILD/bench/fake_sse_upstream" "$BUILD/bench/proxy_load_client"; do
    [[ -x $f ]] || { echo "missing $f: cmake --build $BUILD --target imc fake_sse_upstream proxy_load_client" >&2; exit 2; }
  done
  NGINX=$(command -v nginx || echo /usr/sbin/nginx)
  [[ -x $NGINX ]] || { echo "nginx is not installed (apt-get install nginx-light)" >&2; exit 2; }
}

# A scratch folder (WORK) and the processes started (PIDS), both gone on exit.
WORK=$(mktemp -d)
PIDS=()
proxy_cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap proxy_cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { # wait_for FILE PATTERN [TRIES]: every 50 ms, 200 times unless told
  for _ in $(seq "${3:-200}"); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  echo "timed out waiting for '$2' in $1:" >&2; cat "$1" >&2; exit 1
}
# Waits until a server answers HTTP on the port (any status).
wait_http() { # wait_http PORT [TRIES]
  for _ in $(seq "${2:-100}"); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.05; done
}

# The fake SSE upstream, DELTAS (10) deltas INTERVAL_MS (5) ms apart; its port in UPSTREAM.
start_upstream() { # start_upstream [EXTRA ARGS...]
  "$BUILD/bench/fake_sse_upstream" --deltas "${DELTAS:-10}" --interval-ms "${INTERVAL_MS:-5}" "$@" > "$WORK/upstream.log" 2>&1 &
  PIDS+=($!)
  wait_for "$WORK/upstream.log" "listening on"
  UPSTREAM=$(grep -o 'listening on [0-9]*' "$WORK/upstream.log" | grep -o '[0-9]*$')
}

# nginx as one would configure it in front of an SSE API, in DIR/nginx.conf, listening on PORT;
# WORKERS is its worker_processes. Start it with -p DIR -c DIR/nginx.conf.
write_nginx_conf() { # write_nginx_conf DIR PORT WORKERS
  local dir=$1 port=$2 workers=$3 user_line=""
  [[ $(id -u) == 0 ]] && user_line="user root;"
  mkdir -p "$dir/logs" "$dir/tmp"
  cat > "$dir/nginx.conf" <<CONF
$user_line
worker_processes $workers;
error_log $dir/logs/error.log warn;
pid $dir/nginx.pid;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  # Up to 8 idle upstream connections per worker (one per core), as imc serve's transport keeps
  # per origin and core (4 on each of its two loops per core).
  upstream fake { server 127.0.0.1:$UPSTREAM; keepalive 8; }
  server {
    listen 127.0.0.1:$port backlog=4096;
    tcp_nodelay on;
    location / {
      proxy_pass http://fake;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_cache off;
      proxy_read_timeout 60s;
    }
  }
}
CONF
}

# imc serve's endpoint config (one endpoint at the upstream) and an empty web folder, in WORK;
# IMC_ARGS are the serve options after `imc serve` (no rate limit: one client opens 256 streams).
write_imc_config() {
  cat > "$WORK/endpoints.json" <<JSON
{"schema_version": 1, "endpoints": [{"name": "fake", "protocol": "openai",
  "base_url": "http://127.0.0.1:$UPSTREAM/v1", "model": "fake-model", "auth": {"type": "none"},
  "capabilities": {"images": false, "streaming": true}, "limits": {"concurrency": 1024}}]}
JSON
  touch "$WORK/index.html"
  IMC_ARGS=(--port 0 --config "$WORK/endpoints.json" --store "$WORK/store.db" --pack assets/demo
    --web "$WORK" --rate-limit 0 --quiet)
}
# The port imc serve printed in its log.
imc_port() { grep -o '127.0.0.1:[0-9]*' "$WORK/imc.log" | head -1 | cut -d: -f2; }
