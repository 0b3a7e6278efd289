# Shared by scripts/demo and bench/unload-day (sourced, not run): a local radosgw and the
# Domo emulator on free 127.0.0.1 ports, stopped by `stop_local_servers` (call it from an
# EXIT trap). Expects `root` (the repository) and `work` (a scratch directory) to be set.

# A port P such that P..P+SPAN-1 (SPAN: $1, default 1) are all free on 127.0.0.1: radosgw's
# mon listens on P+1, and a mon that cannot bind leaves start-rgw waiting until its timeout.
free_port() {
  python3 - "${1:-1}" <<'PY'
import socket, sys
span = int(sys.argv[1])
for _ in range(200):
    with socket.socket() as first:
        first.bind(("127.0.0.1", 0))
        port = first.getsockname()[1]
    if port + span > 65536:
        continue
    try:
        for p in range(port, port + span):
            with socket.socket() as s:
                s.bind(("127.0.0.1", p))
    except OSError:
        continue
    print(port)
    sys.exit(0)
sys.exit("no free range of %d ports on 127.0.0.1" % span)
PY
}

# Starts radosgw; sets `endpoint` and exports the owner's AWS keys. Defines `aws`.
start_rgw() {
  local port
  port=$(free_port 2)  # S3 on port, the mon on port + 1
  "$root/scripts/servers/start-rgw" "$work/rgw" "$port" | tail -n 1
  endpoint="http://127.0.0.1:$port"
  export AWS_ACCESS_KEY_ID=S3UNLOADTESTKEY0001 AWS_SECRET_ACCESS_KEY=s3unload-test-secret-0001
  export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
}
aws() { /usr/bin/aws --endpoint-url "$endpoint" "$@"; }

# Starts the emulator with the config file $1; sets `domo_url` and `emulator_pid`.
start_emulator() {
  "${build_dir:-$root/build}/src/emulator/domo-emulator" --config "$1" --port 0 \
    >"$work/emulator.out" 2>"$work/emulator.log" &
  emulator_pid=$!
  for _ in $(seq 1 100); do [ -s "$work/emulator.out" ] && break; sleep 0.1; done
  domo_url=$(head -n 1 "$work/emulator.out")
  [ -n "$domo_url" ] || { echo "the emulator did not start:" >&2; cat "$work/emulator.log" >&2; return 1; }
}

stop_emulator() {
  if [ -n "${emulator_pid:-}" ]; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  emulator_pid=""
}

stop_local_servers() {
  stop_emulator
  if [ -d "$work/rgw" ]; then "$root/scripts/servers/stop" "$work/rgw" >/dev/null 2>&1; fi
  return 0
}
