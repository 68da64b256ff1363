"""Scheduler leadership without PostgreSQL: the Redis lock (SQLite + several workers). One holder at a time,
renewed by its heartbeats, released on stop, and taken over after its holder's process dies (SIGKILL)."""
from __future__ import annotations

import os
import signal
import subprocess
import time

from tests.multiworker.conftest import ROOT, ROOT_PY
from woms_app.scheduler.leader import REDIS_PREFIX, LeaderLock


def test_redis_lock_one_holder_renewal_and_release(db, with_redis):
    a = LeaderLock(holder="a", ttl_s=0.6)
    b = LeaderLock(holder="b", ttl_s=0.6)
    assert a.kind == b.kind == "redis"
    try:
        assert a.acquire() and not b.acquire()
        for _ in range(4):  # a keeps renewing past its ttl: b never gets it
            time.sleep(0.25)
            assert a.acquire() and not b.acquire()
        time.sleep(0.8)  # a stops renewing (hung or dead): the key expires, b takes it, a has lost it
        assert b.acquire() and not a.acquire()
        a.release()  # releasing a lock one does not hold leaves it alone
        assert not a.acquire()
        b.release()
        assert a.acquire()
    finally:
        a.release()
        b.release()


HOLDER = """
import sys, time
from woms_app.scheduler.leader import LeaderLock
lock = LeaderLock(holder="doomed", ttl_s=float(sys.argv[1]))
assert lock.acquire()
print("leader", flush=True)
while True:
    time.sleep(float(sys.argv[1]) / 3)
    lock.acquire()
"""


def test_redis_lock_fails_over_when_the_holder_is_killed(db, with_redis):
    ttl, heartbeat = 1.5, 0.5
    env = {**os.environ, "WOMS_REDIS_URL": with_redis}
    proc = subprocess.Popen([ROOT_PY, "-c", HOLDER, str(ttl)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    survivor = LeaderLock(holder="survivor", ttl_s=ttl)
    try:
        assert proc.stdout.readline().strip() == "leader"
        time.sleep(2 * ttl)
        assert not survivor.acquire()  # the holder renews while alive
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        killed = time.monotonic()
        while not survivor.acquire():  # the survivor's heartbeats
            time.sleep(heartbeat)
        took = time.monotonic() - killed
        assert took <= ttl + heartbeat + 0.3, took
    finally:
        if proc.poll() is None:
            proc.kill()
        survivor.release()
        import redis

        redis.Redis.from_url(with_redis).delete(REDIS_PREFIX + "scheduler")
