"""state/live_links.py: which tabs listen to which live channel (the in-memory registry of one process)."""
from __future__ import annotations

from woms_app.state.live_links import _MemoryLinks


async def test_a_tab_listens_to_one_channel_and_is_forgotten_when_discarded():
    links = _MemoryLinks()
    await links.add("org1", "t1")
    await links.add("org1", "t2")
    await links.add("fleet", "t2")  # another account signed in in this tab: one channel only
    assert sorted(await links.tokens("org1")) == ["t1"] and await links.tokens("fleet") == ["t2"]
    await links.remove("org1", ["t1"])  # closed tabs found by a push
    assert await links.tokens("org1") == []
    await links.forget("t2")  # state/base.discard_tab_state
    assert await links.tokens("fleet") == [] and await links.tokens("nobody") == []
