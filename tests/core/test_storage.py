"""The blob store: opaque random keys, atomic writes, nothing reachable by a key it did not make."""
from __future__ import annotations

import pytest

from woms_app.core.storage import BlobNotFound, LocalDiskStorage, check_key


def test_put_get_delete_by_opaque_key(tmp_path):
    store = LocalDiskStorage(tmp_path / "blobs")
    a, b = store.put(b"first"), store.put(b"second")
    assert a != b and len(a) == 32 and check_key(a) == a
    assert store.get(a) == b"first" and store.get(b) == b"second"
    assert (tmp_path / "blobs" / a[:2] / a).read_bytes() == b"first"
    assert store.keys() == sorted([a, b])
    store.delete(a)
    store.delete(a)  # already gone: nothing happens
    with pytest.raises(BlobNotFound):
        store.get(a)
    assert store.keys() == [b] and not list((tmp_path / "blobs").glob("*/.tmp-*"))


@pytest.mark.parametrize("key", ["../../etc/passwd", "/etc/passwd", "ab/../../x", "A" * 32, "0" * 31, "", None,
                                 "0" * 32 + "/", "0" * 32 + "\n"])
def test_a_key_it_did_not_make_names_nothing(tmp_path, key):
    store = LocalDiskStorage(tmp_path)
    with pytest.raises(BlobNotFound):
        store.get(key)
    with pytest.raises(BlobNotFound):
        store.delete(key)
