#!/usr/bin/env bash
# Serve the app and run the background worker (imports, renders) beside it; stop both together.
set -euo pipefail
host=${1:-127.0.0.1}
port=${2:-8000}
py=.venv/bin/python
$py -m cunwu db_worker --interval 0.5 &
worker=$!
trap 'kill $worker 2>/dev/null' EXIT INT TERM
$py -m cunwu demo logins
echo "村务 cunwu: http://$host:$port/"
$py -m cunwu runserver --noreload "$host:$port"
