"""core.ids: the one parser for ids from the browser and the URL (ASCII digits, 1..MAX_ID, else None)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from woms_app.core.errors import NotFound
from woms_app.core.ids import MAX_ID, parse_id, require_id


@pytest.mark.parametrize("value, expected", [
    ("1", 1), ("42", 42), (" 7 ", 7), ("0007", 7), (str(MAX_ID), MAX_ID), (5, 5), (MAX_ID, MAX_ID),
    ("²", None), ("٣", None), ("１２", None), ("12²", None),  # digits to str.isdigit(), not to int() or to us
    ("9" * 5000, None), ("9" * 11, None), (str(MAX_ID + 1), None), (MAX_ID + 1, None), (2**70, None),
    ("0", None), (0, None), ("-1", None), (-1, None), ("+1", None), ("1.0", None), (2.0, None), ("1e3", None),
    ("", None), ("  ", None), ("abc", None), ("0x10", None), (None, None), (True, None), ([1], None),
    ({"id": 1}, None), ("1\n", None), ("1\x00", None),
])
def test_parse_id(value, expected):
    assert parse_id(value) == expected


@given(st.integers(min_value=1, max_value=MAX_ID))
def test_every_valid_id_round_trips(n):
    assert parse_id(str(n)) == n and parse_id(n) == n and require_id(str(n)) == n


@given(st.one_of(st.text(), st.integers(), st.floats(), st.none(), st.booleans(), st.binary()))
def test_never_raises_and_answers_only_valid_ids(value):
    out = parse_id(value)
    assert out is None or (type(out) is int and 1 <= out <= MAX_ID)
    if out is not None and isinstance(value, str):
        assert value.strip(" \t").isascii() and value.strip(" \t").isdigit()


def test_require_id_names_what_was_not_found():
    with pytest.raises(NotFound, match="^Plant not found$"):
        require_id("²", "Plant")
