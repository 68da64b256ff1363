#!/usr/bin/env bash
# Serve WOMS in production mode on one port, with the vendor emulator beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
eval "$($PY -c 'from woms_app.core.config import get_settings as g; s=g(); print(f"PORT={s.port} EMU_HOST={s.emulator_host} EMU_PORT={s.emulator_port} DEMO={int(s.demo)}")')"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

if [ "$DEMO" = 1 ] && [ -f woms_app/emulator/__main__.py ]; then
  $PY -m woms_app.emulator --host "$EMU_HOST" --port "$EMU_PORT" > data/emulator.log 2>&1 &
  pids+=($!)
  echo "Vendor emulator: http://$EMU_HOST:$EMU_PORT (log: data/emulator.log)"
fi

cat <<MSG

  WOMS is starting on http://localhost:$PORT  (first build takes a minute)

  Demo accounts (password: woms-demo-pass)
    admin@demo.woms          super admin
    govt@demo.woms           government observer (read-only)
    ops@sunrise.demo.woms    Sunrise Energy (organization)
    ops@helios.demo.woms     Helios Power (organization)

MSG
reflex run --env prod --loglevel warning &
pids+=($!)
wait -n "${pids[@]}"
