"""REST writes are committed before the response is sent (api/deps.DB, scope="function"), over real HTTP: the API
served by uvicorn on a 127.0.0.1 port, driven by httpx. A read right after a write sees it; a commit that fails
answers a JSON error (never the success the route built) and leaves nothing written."""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
import uvicorn
from sqlmodel import Session, func, select

from tests.conftest import BOTH_DATABASES
from tests.wo_fleet import EMAILS, build_fleet
from woms_app.api.app import create_api
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.models import AuditLog, WorkOrder

PAIRS = 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def api_url(demo) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_api(), host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "API server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


@contextmanager
def _client(url: str, who: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, headers={"Origin": "http://localhost:3000"}, timeout=30) as c:
        r = c.post("/api/login", json={"email": EMAILS[who], "password": "woms-demo-pass"})
        assert r.status_code == 200, r.text
        yield c


@pytest.fixture
def slow_commits():
    """Commits of sessions that wrote take 30 ms, as on a database across a network or a busy disk: a commit
    that runs after the response is sent then visibly lands after the client's next request."""
    def wrote(session: Session, _ctx) -> None:
        session.info["wrote"] = True

    def slow(session: Session) -> None:
        if session.info.pop("wrote", False):
            time.sleep(0.03)

    sa.event.listen(Session, "after_flush", wrote)
    sa.event.listen(Session, "before_commit", slow)
    yield
    sa.event.remove(Session, "before_commit", slow)
    sa.event.remove(Session, "after_flush", wrote)


@BOTH_DATABASES
def test_every_read_sees_the_write_before_it(api_url, slow_commits):
    with main_session(SYSTEM_CONTEXT) as s:
        fleet = build_fleet(s, n_plants=1)
    plant = fleet.plants["sunrise-1"]
    stale = []
    with _client(api_url, "sunrise") as c:
        for i in range(PAIRS // 2):
            # pair 1: create → read it
            r = c.post("/api/work-orders", json={"title": f"Pair {i}", "plant_ids": [plant]})
            assert r.status_code == 201, r.text
            wo = r.json()["id"]
            got = c.get(f"/api/work-orders/{wo}")
            if got.status_code != 200 or got.json()["status"] != "OPEN":
                stale.append(f"create {wo} → read {got.status_code}")
            # pair 2: cancel → read it (and the plant is free for the next create)
            r = c.patch(f"/api/work-orders/{wo}/status", json={"status": "CANCELLED", "note": "test pair"})
            if r.status_code != 200:
                stale.append(f"cancel {wo} → {r.status_code} {r.text[:80]}")
                continue
            got = c.get(f"/api/work-orders/{wo}")
            if got.status_code != 200 or got.json()["status"] != "CANCELLED":
                stale.append(f"cancel {wo} → read {got.json().get('status')}")
    assert not stale, f"{len(stale)} of {PAIRS} reads missed their write: {stale[:5]}"


def _counts() -> tuple[int, int]:
    with main_session(SYSTEM_CONTEXT) as s:
        return s.exec(select(func.count()).select_from(WorkOrder)).one(), \
            s.exec(select(func.count()).select_from(AuditLog)).one()


@pytest.fixture
def failing_commits():
    """Every commit of an application session fails the way a lost connection or a full disk fails it."""
    def wrote(session: Session, _ctx) -> None:
        session.info["wrote"] = True

    def fail(session: Session) -> None:
        if session.new or session.dirty or session.info.pop("wrote", False):
            raise sa_exc.OperationalError("COMMIT", {}, Exception("disk I/O error (forced by the test)"))

    sa.event.listen(Session, "after_flush", wrote)
    sa.event.listen(Session, "before_commit", fail)
    yield
    sa.event.remove(Session, "before_commit", fail)
    sa.event.remove(Session, "after_flush", wrote)


def test_a_failed_commit_answers_an_error_and_writes_nothing(api_url, request):
    with main_session(SYSTEM_CONTEXT) as s:
        fleet = build_fleet(s, n_plants=1)
    with _client(api_url, "sunrise") as sunrise, _client(api_url, "govt") as govt:
        before = _counts()
        request.getfixturevalue("failing_commits")
        r = sunrise.post("/api/work-orders", json={"title": "Never saved", "plant_ids": [fleet.plants["sunrise-1"]]})
        assert r.status_code == 500, r.text
        assert r.headers["content-type"].startswith("application/json")
        assert "nothing was saved" in r.json()["detail"]
        # a GOVT read is audited; when its audit row cannot be committed, the read is not answered either
        r = govt.get(f"/api/plants/{fleet.plants['helios-1']}")
        assert r.status_code == 500 and "nothing was saved" in r.json()["detail"]
        assert _counts() == before  # no work order, no audit row



@BOTH_DATABASES
def test_a_unique_violation_answers_409_and_other_database_errors_500(db):
    """The database's own errors, as raised by a real constraint on each engine, map to the house shape."""
    import json

    from starlette.requests import Request

    from woms_app.api.app import _database_error_response
    from woms_app.models import Organization

    request = Request({"type": "http", "method": "POST", "path": "/api/x", "headers": []})
    with pytest.raises(sa_exc.IntegrityError) as unique:
        with main_session(SYSTEM_CONTEXT) as s:
            s.add_all([Organization(name="Twice"), Organization(name="twice")])
    r = _database_error_response(request, unique.value)
    assert r.status_code == 409 and "nothing was saved" in json.loads(r.body)["detail"]
    with pytest.raises(sa_exc.IntegrityError) as not_null:
        with main_session(SYSTEM_CONTEXT) as s:
            s.execute(sa.text("INSERT INTO organizations (name) VALUES (NULL)"))
    r = _database_error_response(request, not_null.value)
    assert r.status_code == 500 and "nothing was saved" in json.loads(r.body)["detail"]
