"""A Reflex tab's state belongs to one login session (issue 12 §1).

Driven through Reflex's own event processor with the app's middlewares (the ``Client`` of the tenant matrix),
one state manager per browser tab: a second ``Client`` on the same token and manager is the same tab
connecting again (its boot event first, with the new cookie), as a browser whose token survived would, or as
anyone who learned the token (it travels in the websocket URL). Every assertion reads the whole JSON of every
delta and event the server sent, not chosen fields.
"""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.security.conftest import EMAILS, World
from tests.security.test_tenant_matrix_reflex import UNREACHABLE, Client, _cookie, _dump, woms_states
from woms_app.core.clock import utcnow
from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.models import Account, Alert, Organization, Plant, Vendor, WorkOrder
from woms_app.models.org import AuthSession

PATH = "/work-orders"
SECRET = "Typed-Secret-7c1f9e"
STATS = {"deltas": 0, "fields": 0}  # what the leak checks inspected (printed at the end of the module)


def _classes() -> dict[str, type]:
    return {c.__name__: c for c in woms_states()}


def _org_markers(org_name: str) -> list[str]:
    """Every distinctive string of an organization's rows: names, titles, e-mails, external ids."""
    with main_session(SYSTEM_CONTEXT) as s:
        org = s.exec(select(Organization).where(Organization.name == org_name)).one()
        out = [org.name]
        out += [p.name for p in s.exec(select(Plant).where(Plant.org_id == org.id))]
        out += [p.external_id for p in s.exec(select(Plant).where(Plant.org_id == org.id))]
        out += [w.title for w in s.exec(select(WorkOrder).where(WorkOrder.org_id == org.id))]
        out += [a.title for a in s.exec(select(Alert).where(Alert.org_id == org.id))]
        out += [v.name for v in s.exec(select(Vendor).where(Vendor.org_id == org.id))]
        out += [a.email for a in s.exec(select(Account).where(Account.org_id == org.id))]
    return sorted({m for m in out if m and len(m) >= 6})


def _sent(client: Client) -> list:
    """Everything the server sent this connection: deltas and frontend events."""
    return list(client.frontend)


def _inspect(sent: list, markers: list[str]) -> list[str]:
    """The markers found anywhere in what was sent (and count what was looked at)."""
    for item in sent:
        if isinstance(item, dict) and "delta" in item:
            STATS["deltas"] += 1
            STATS["fields"] += sum(len(v) for v in item["delta"].values())
    text = _dump(sent).lower()
    return [m for m in markers if m.lower() in text]


def _org_steps(t) -> list:
    return [("AuthState", "guard", {}), ("LiveState", "link", {}), ("DashboardState", "load", {}),
            ("PlantsState", "load", {}), ("WorkOrdersState", "load", {}),
            ("WorkOrdersState", "open_detail", {"wo_id": t.wo_id}), ("AlertsFeedState", "load", {}),
            ("VendorsState", "load", {}), ("SelectedPlantState", "show_plant", {"plant_id": t.plant_ids[0]})]


ADMIN_STEPS = [("AuthState", "guard", {}), ("AdminOrgsState", "load", {}), ("AdminAccountsState", "load", {}),
               ("AdminAuditState", "load", {}), ("VendorsState", "load", {}), ("PlantsState", "load", {}),
               ("WorkOrdersState", "load", {})]


def _tab(cookie: str, query: dict | None = None) -> Client:
    return Client(cookie, query or {}, PATH)


def _same_tab(first: Client, cookie: str) -> Client:
    return Client(cookie, {}, PATH, token=first.token, manager=first.manager)


def _backend_text(client: Client) -> str:
    """Every attribute of every state of the tab on the server, backend-only vars included."""
    root = client.manager.states[client.token]
    todo, parts = [root], []
    while todo:
        state = todo.pop()
        parts.append(repr({k: v for k, v in vars(state).items() if k not in ("parent_state", "substates")}))
        todo.extend(state.substates.values())
    return "\n".join(parts)


# ---------------------------------------------------------------- the next user of the same tab token
@pytest.mark.parametrize("first", ["ORG_A", "SUPERADMIN"])
@pytest.mark.parametrize("then", ["ORG_B", "anonymous"])
@pytest.mark.parametrize("how", ["logout", "session revoked elsewhere"])
def test_the_next_connection_on_a_tab_token_gets_nothing_of_the_previous_session(world: World, first, then, how):
    classes = _classes()
    a_markers = _org_markers("Sunrise Energy")
    if first == "SUPERADMIN":  # the administration pages: every account's e-mail, every organization, the audit
        with main_session(SYSTEM_CONTEXT) as s:
            a_markers += [a.email for a in s.exec(select(Account)) if a.org_id != world.b.org_id]
        steps = ADMIN_STEPS
    else:
        steps = _org_steps(world.a)
    if then == "ORG_B":  # B's own rows legitimately show B's strings
        b_markers = set(_org_markers("Helios Power"))
        a_markers = [m for m in a_markers if m not in b_markers]
    cookie_a = _cookie(EMAILS[first])
    tab = _tab(cookie_a)

    async def scenario():
        await tab.run(steps, classes, connect=True)
        if how == "logout":
            await tab.run([("AuthState", "logout", {})], classes)
        else:
            with main_session(SYSTEM_CONTEXT) as s:
                for row in s.exec(select(AuthSession).where(AuthSession.revoked_at.is_(None))):
                    row.revoked_at = utcnow()
                    s.add(row)
        nxt = _same_tab(tab, _cookie(EMAILS["ORG_B"]) if then == "ORG_B" else "")
        final = await nxt.run(_org_steps(world.b) if then == "ORG_B" else [("LoginState", "done", {"message": ""})],
                              classes, connect=True)
        return nxt, final

    nxt, final = asyncio.run(scenario())
    first_seen = _inspect(_sent(tab), a_markers)
    # positive control: the first session did receive its data (the markers are real)
    assert len(first_seen) >= 3, first_seen
    leaked = _inspect(_sent(nxt), a_markers)
    assert not leaked, f"{first}'s data reached the next connection on the same token ({then}): {leaked}"
    assert not [m for m in a_markers if m.lower() in _dump(final).lower()]
    assert not [m for m in a_markers if m.lower() in _backend_text(nxt).lower()]
    if then == "ORG_B":  # and B got its own
        assert _inspect(_sent(nxt), ["HELIOSMARK Work Order"])


def test_logout_resets_the_tab_on_the_server_and_the_old_token_yields_an_empty_state(world: World):
    classes = _classes()
    tab = _tab(_cookie(EMAILS["ORG_A"]))

    async def scenario():
        await tab.run(_org_steps(world.a), classes, connect=True)
        await tab.run([("AuthState", "logout", {})], classes)
        old = _same_tab(tab, "")
        await old.run([], classes, connect=True)
        new = _tab("")
        await new.run([], classes, connect=True)
        return old, new

    old, new = asyncio.run(scenario())
    logout_events = _dump(tab.frontend[-5:])
    # the browser is told to drop its client token before it navigates to /login
    assert "sessionStorage.removeItem('token')" in _dump(tab.frontend) and "/login" in logout_events

    def snapshot(client: Client) -> str:
        first = next(i["delta"] for i in client.frontend if isinstance(i, dict) and "delta" in i)
        return _dump(first).replace(client.token, "TOKEN").replace("sid-TOKEN", "SID")

    assert snapshot(old) == snapshot(new)  # the old token's first snapshot is a brand-new tab's, field for field
    with main_session(SYSTEM_CONTEXT) as s:  # and the session itself was revoked by the logout event
        assert all(r.revoked_at is not None for r in s.exec(select(AuthSession)))


@pytest.mark.parametrize("ending", ["expired", "revoked", "account deactivated"])
def test_a_session_ending_while_the_tab_is_open_discards_its_state_at_the_next_event(world: World, ending):
    classes = _classes()
    a_markers = _org_markers("Sunrise Energy")
    tab = _tab(_cookie(EMAILS["ORG_A"]))

    async def scenario():
        await tab.run(_org_steps(world.a), classes, connect=True)
        with main_session(SYSTEM_CONTEXT) as s:
            for row in s.exec(select(AuthSession)):
                if ending == "expired":
                    row.expires_at = utcnow() - timedelta(seconds=1)
                elif ending == "revoked":
                    row.revoked_at = utcnow()
                s.add(row)
            if ending == "account deactivated":
                acct = s.get(Account, world.a.account_id)
                acct.is_active = False
                s.add(acct)
        tab.frontend.clear()
        return await tab.run([("WorkOrdersState", "load", {})], classes)

    final = asyncio.run(scenario())
    sent = _dump(tab.frontend)
    assert not _inspect(tab.frontend, a_markers), "the event after the session ended still sent the old rows"
    assert "sessionStorage.removeItem('token')" in sent and "/login" in sent  # off to /login with a new token
    assert not [m for m in a_markers if m.lower() in (_dump(final) + _backend_text(tab)).lower()]


# ---------------------------------------------------------------- secrets typed into a form
def test_a_failed_vendor_save_never_sends_the_typed_secret_and_keeps_it_nowhere(world: World):
    classes = _classes()
    with main_session(SYSTEM_CONTEXT) as s:  # A's vendor cannot connect: its save fails after the secret was typed
        v = s.get(Vendor, world.a.vendor_id)
        v.base_url = UNREACHABLE
        s.add(v)
    tab = _tab(_cookie(EMAILS["ORG_A"]))
    typing = [("VendorsState", "load", {}), ("VendorsState", "open_add", {}),
              ("VendorsState", "set_form_type", {"value": "solarman"}),
              ("VendorsState", "set_form_name", {"value": "Leaky vendor"}),
              ("VendorsState", "set_form_base_url", {"value": UNREACHABLE}),
              ("VendorsState", "set_cred", {"name": "app_id", "value": "app-1"}),
              ("VendorsState", "set_cred", {"name": "app_secret", "value": SECRET}),
              ("VendorsState", "set_cred", {"name": "account", "value": "ops"}),
              ("VendorsState", "set_cred", {"name": "password", "value": SECRET + "-pw"})]

    def vendors_state():
        auth = tab.manager.states[tab.token].substates["woms_app___state___base____auth_state"]
        return next(s for s in auth.substates.values() if type(s).__name__ == "VendorsState")

    async def scenario():
        await tab.run(typing, classes, connect=True)
        seen = {"typed": _backend_text(tab)}
        await tab.run([("VendorsState", "save", {})], classes)  # fails: the vendor cannot be reached
        seen["add error"] = vendors_state().form_error
        edit = [("VendorsState", "open_edit", {"vendor_id": world.a.vendor_id}),
                ("VendorsState", "set_cred", {"name": "app_secret", "value": SECRET}),
                ("VendorsState", "save", {})]  # an edit whose check fails: the same
        await tab.run(edit, classes)
        seen["edit error"] = vendors_state().form_error
        seen["after"] = _backend_text(tab)
        nxt = _same_tab(tab, _cookie(EMAILS["ORG_B"]))
        await nxt.run([("VendorsState", "load", {})], classes, connect=True)
        return seen, nxt

    seen, nxt = asyncio.run(scenario())
    assert SECRET in seen["typed"]  # positive control: the typed secret did reach the server
    assert seen["add error"] and seen["edit error"], "both saves were expected to fail (unreachable vendor)"
    _inspect(tab.frontend + nxt.frontend, [])
    for where, text in (("a delta or event to A", _dump(tab.frontend)), ("the tab's state on the server after the "
                        "failed saves", seen["after"]), ("a delta to the next connection", _dump(nxt.frontend)),
                        ("the next connection's state", _backend_text(nxt))):
        assert SECRET not in text, f"the typed secret is in {where}"


# ---------------------------------------------------------------- ids from the browser
@pytest.mark.parametrize("bad", ["²", "٣", "9" * 5000, "-1", "0", str(2**31), "abc"])
def test_a_bad_id_is_a_clean_not_found_and_the_tab_keeps_working(world: World, bad):
    from woms_app.core.errors import NotFound

    classes = _classes()
    tab = _tab(_cookie(EMAILS["ORG_A"]))
    steps = [("WorkOrdersState", "set_plant_filter", {"value": bad}), ("WorkOrdersState", "load", {}),
             ("AlertsFeedState", "set_plant_filter", {"value": bad}), ("AlertsFeedState", "load", {}),
             ("WorkOrdersState", "open_detail", {"wo_id": bad}), ("VendorsState", "open_edit", {"vendor_id": bad}),
             ("SelectedPlantState", "choose", {"plant_id": bad}), ("WorkOrdersState", "load", {})]
    final = asyncio.run(tab.run(steps, classes))
    unexpected = [e for e in tab.errors if not isinstance(e, NotFound)]
    assert not unexpected, unexpected
    assert any("not found" in str(e) for e in tab.errors) or "not found" in _dump(tab.frontend)
    # the next list loads of the same tab work: A's work order and alert are listed, unfiltered
    assert "SUNRISEMARK Work Order" in _dump(final) and "SUNRISEMARK Alert" in _dump(final)


def test_state_helpers_are_not_events():
    from woms_app.state.base import AuthState

    exposed = {name for cls in woms_states() for name in cls.event_handlers}
    assert not {"current_viewer", "require_viewer"} & exposed
    assert callable(AuthState._require_viewer) and callable(AuthState._current_viewer)


def teardown_module(_module):
    print(f"\nsession lifecycle leak checks inspected {STATS['deltas']} deltas, {STATS['fields']} fields")


def test_with_redis_every_substate_is_reset_even_those_the_event_did_not_load(world: World):
    """Several workers: Reflex keeps each substate under its own Redis key and loads only the ones an event
    needs. A's session ends; the tab's next event is the work-order list's, which loads that state and its
    parents only: the other pages' substates (dashboard, plants, vendors, alerts...) must still be reset in Redis."""
    import random

    import redis.asyncio as aredis
    from reflex.istate.manager.redis import StateManagerRedis
    from reflex.istate.manager.token import BaseStateToken
    from reflex.state import State

    from tests.multiworker.conftest import REDIS_BASE, require_redis

    require_redis()
    classes = _classes()
    a_markers = _org_markers("Sunrise Energy")
    url = f"{REDIS_BASE}/{random.SystemRandom().randint(1, 15)}"

    async def tree_text(manager, token) -> str:
        root = await manager.get_state(BaseStateToken(ident=token, cls=State))
        todo, parts = [root], []
        while todo:
            state = todo.pop()
            parts.append(repr({k: v for k, v in vars(state).items() if k not in ("parent_state", "substates")}))
            todo.extend(state.substates.values())
        return "\n".join(parts)

    async def scenario():
        manager = StateManagerRedis(redis=aredis.Redis.from_url(url), token_expiration=600, lock_expiration=10_000,
                                    lock_warning_threshold=1_000)
        try:
            tab = Client(_cookie(EMAILS["ORG_A"]), {}, PATH, manager=manager)
            await tab.run(_org_steps(world.a), classes, connect=True)
            before = await tree_text(manager, tab.token)
            with main_session(SYSTEM_CONTEXT) as s:  # revoked elsewhere (another tab's logout, an admin)
                for row in s.exec(select(AuthSession)):
                    row.revoked_at = utcnow()
                    s.add(row)
            same = Client(tab.router_data["headers"]["cookie"], {}, PATH, token=tab.token, manager=manager)
            await same.run([("WorkOrdersState", "load", {})], classes)  # loads WorkOrdersState and its parents only
            after = await tree_text(manager, tab.token)
            nxt = Client(_cookie(EMAILS["ORG_B"]), {}, PATH, token=tab.token, manager=manager)
            await nxt.run(_org_steps(world.b), classes, connect=True)
            return before, after, same, nxt
        finally:
            await manager.redis.flushdb()
            await manager.close()

    before, after, same, nxt = asyncio.run(scenario())
    assert len([m for m in a_markers if m.lower() in before.lower()]) >= 3  # positive control: A's rows in Redis
    assert not [m for m in a_markers if m.lower() in after.lower()], "A's substates survived in Redis"
    assert "sessionStorage.removeItem('token')" in _dump(same.frontend)
    assert not _inspect(same.frontend + nxt.frontend, a_markers)
