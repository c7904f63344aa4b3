"""gunicorn's settings for cunwu in production (docs/deploy.md), also what bench/public_portal.py
serves with::

    gunicorn -c python:cunwu.gunicorn_config cunwu.wsgi

Sync workers, two per core (``WEB_CONCURRENCY`` overrides the number): each process answers
one request at a time and takes the next connection from the kernel's queue, in the order they
came. With threaded workers (gthread) a kept-alive connection stays with the process that
accepted it however busy that process is, and its threads take turns on one GIL: the slowest
answers waited several times longer (bench/README.md has the figures). Sync workers keep no
connection alive and would be held up by a client that sends slowly, so they belong behind a
buffering reverse proxy (nginx by default, Caddy with ``request_buffers``), which a deployment
has anyway for HTTPS.
"""

from __future__ import annotations

import os


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


bind = [os.environ.get("CUNWU_BIND", "127.0.0.1:8000")]
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * _cores()))
# a request that runs longer is cut off and its worker replaced; long work (imports,
# renderings, exports) runs in the background worker (cunwu db_worker)
timeout = 60
