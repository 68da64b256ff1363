"""Plant zones in every form the vendors send, and the table of error codes / httpx exceptions → error classes."""
from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from woms_app.vendors.errors import (
    VendorAuthError,
    VendorBadResponse,
    VendorNotSupported,
    VendorRateLimited,
    VendorTimeout,
    VendorTokenExpired,
    VendorUnavailable,
)
from woms_app.vendors.http import request_json
from woms_app.vendors.limiter import Budget, RequestLimiter
from woms_app.vendors.parsing import ZoneError, gmt_offset_minutes, resolve_zone, zone
from woms_app.vendors.solarman import parsers as sm
from woms_app.vendors.solarman.envelope import check_solarman
from woms_app.vendors.sungrow import parsers as sg
from woms_app.vendors.sungrow.envelope import check_sungrow

JAN, JUL = datetime(2026, 1, 15, 12), datetime(2026, 7, 15, 12)


@pytest.mark.parametrize("raw, iana, minutes", [
    ("GMT+8", "Etc/GMT-8", 480), ("GMT-3", "Etc/GMT+3", -180), ("GMT+5.5", "Asia/Kolkata", 330),
    ("GMT+5:30", "Asia/Kolkata", 330), ("GMT+05:30", "Asia/Kolkata", 330), ("GMT+5:45", "Asia/Kathmandu", 345),
    ("UTC+10", "Etc/GMT-10", 600), ("GMT+0530", "Asia/Kolkata", 330), ("GMT-9:30", "Pacific/Marquesas", -570),
    ("GMT+14", "Etc/GMT-14", 840), ("GMT-12", "Etc/GMT+12", -720), ("gmt+1", "Etc/GMT-1", 60), ("GMT", "UTC", 0),
])
def test_every_documented_zone_form(raw, iana, minutes):
    assert resolve_zone(raw) == iana
    assert zone(iana).utcoffset(JAN) == zone(iana).utcoffset(JUL) == timedelta(minutes=minutes)


@pytest.mark.parametrize("raw", ["", None, "GMT+5.3", "GMT+1:15", "GMT+5:60", "GMT+15", "GMT-13", "India",
                                 "GMT+5,5", "Mars/Olympus", "GMT++5"])
def test_unreadable_zone_is_an_error_never_utc(raw):
    with pytest.raises(ZoneError):
        resolve_zone(raw)


def _forms(minutes: int) -> list[str]:
    sign = "+" if minutes >= 0 else "-"
    h, m = divmod(abs(minutes), 60)
    out = [f"GMT{sign}{h}:{m:02d}", f"GMT{sign}{h:02d}:{m:02d}", f"UTC{sign}{h}:{m:02d}", f"GMT{sign}{h:02d}{m:02d}",
           f"GMT{sign}{h + m / 60:g}"]
    if m == 0:
        out += [f"GMT{sign}{h}", f"UTC{sign}{h}"]
    return out


@settings(max_examples=200, deadline=None)
@given(quarter=st.integers(min_value=-48, max_value=56), form=st.integers(min_value=0, max_value=6))
def test_every_quarter_hour_offset_round_trips_in_each_form(quarter, form):
    minutes = quarter * 15
    forms = _forms(minutes)
    raw = forms[form % len(forms)]
    assert gmt_offset_minutes(raw) == minutes, raw
    try:
        iana = resolve_zone(raw)
    except ZoneError as exc:  # only offsets no zone on earth uses (e.g. +01:15), said plainly
        assert "no time zone uses" in str(exc) and minutes % 60 not in (0,)
        return
    tz = zone(iana)
    offsets = {tz.utcoffset(JAN), tz.utcoffset(JUL)}
    # the zone's standard offset is the one given (DST only in Newfoundland, Lord Howe and Chatham)
    assert min(offsets) == timedelta(minutes=minutes) or iana in ("Australia/Lord_Howe", "Pacific/Chatham")
    if iana not in ("America/St_Johns", "Australia/Lord_Howe", "Pacific/Chatham"):
        assert offsets == {timedelta(minutes=minutes)}


@pytest.mark.parametrize("quarter", range(-48, 57))
def test_every_quarter_hour_offset_in_every_form(quarter):
    minutes = quarter * 15
    assert {gmt_offset_minutes(f) for f in _forms(minutes)} == {minutes}


def test_unreadable_zone_is_carried_on_the_plant_of_both_vendors():
    p = sg.plant_from_ps({"ps_id": 7, "ps_name": "X", "ps_current_time_zone": "GMT+5.3"})
    assert p.timezone_error and "GMT+5.3" in p.timezone_error
    assert sg.plant_from_ps({"ps_id": 7, "ps_current_time_zone": "GMT+5.5"}).timezone == "Asia/Kolkata"
    s = sm.plant_from_station({"id": 9, "name": "Y", "regionTimezone": "Central European"})
    assert s.timezone_error and "Central European" in s.timezone_error
    assert sm.plant_from_station({"id": 9, "regionTimezone": "Asia/Kathmandu"}).timezone == "Asia/Kathmandu"
    assert sm.plant_from_station({"id": 9, "regionTimezone": "GMT+5:45"}).timezone == "Asia/Kathmandu"
    assert sm.plant_from_station({"id": 9}).timezone_error  # no zone at all is not UTC either


# ---------------------------------------------------------------- error tables (vendor-apis.md A.8, B.9)
SUNGROW_CODES = {
    "-1": VendorUnavailable, "000": VendorUnavailable, "001": VendorAuthError, "002": VendorTokenExpired,
    "003": VendorAuthError, "009": VendorBadResponse, "010": VendorBadResponse, "011": VendorUnavailable,
    "E00000": VendorAuthError, "E00001": VendorAuthError, "E00002": VendorAuthError, "E00003": VendorTokenExpired,
    "E900": VendorAuthError, "E901": VendorRateLimited, "E902": VendorNotSupported, "E903": VendorRateLimited,
    **{f"E9{n:02d}": VendorAuthError for n in range(4, 15)},
    "E916": VendorRateLimited, "E918": VendorAuthError, "E919": VendorAuthError, "E994": VendorUnavailable,
    "E995": VendorBadResponse, "E996": VendorNotSupported, "E997": VendorUnavailable, "E998": VendorRateLimited,
    "E999": VendorRateLimited,
}


@pytest.mark.parametrize("code, cls", SUNGROW_CODES.items())
def test_every_documented_sungrow_code_maps_to_one_class(code, cls):
    with pytest.raises(VendorBadResponse.__mro__[1]) as info:  # VendorError
        check_sungrow({"result_code": code, "result_msg": "x", "result_data": None})
    assert type(info.value) is cls and info.value.code == code and info.value.vendor == "sungrow"


def test_e900_needs_credentials_not_unsupported():
    with pytest.raises(VendorAuthError) as info:
        check_sungrow({"result_code": "E900", "result_msg": "er_unauthorized_access", "result_data": None})
    assert not isinstance(info.value, VendorTokenExpired)  # a re-login does not fix a wrong access key


SOLARMAN_CODES = {
    "2101019": VendorTokenExpired, "2101017": VendorTokenExpired, "2101018": VendorAuthError,
    "2101020": VendorAuthError, "2101021": VendorAuthError, "2101025": VendorAuthError, "2101003": VendorAuthError,
    "2101022": VendorNotSupported, "2101023": VendorNotSupported, "2101002": VendorRateLimited,
    "2101009": VendorRateLimited, "2101010": VendorRateLimited, "3201001": VendorUnavailable,
    "3501004": VendorUnavailable, "2104001": VendorUnavailable, "2104002": VendorUnavailable,
    "2104003": VendorUnavailable, "2101006": VendorBadResponse, "2101015": VendorBadResponse,
}


@pytest.mark.parametrize("code, cls", SOLARMAN_CODES.items())
def test_solarman_codes_map_to_one_class(code, cls):
    with pytest.raises(VendorBadResponse.__mro__[1]) as info:
        check_solarman({"code": code, "msg": "x", "success": False})
    assert type(info.value) is cls and info.value.code == code


HTTPX_EXCEPTIONS = {
    httpx.ConnectTimeout: VendorTimeout, httpx.ReadTimeout: VendorTimeout, httpx.WriteTimeout: VendorTimeout,
    httpx.PoolTimeout: VendorTimeout, httpx.ConnectError: VendorUnavailable, httpx.ReadError: VendorUnavailable,
    httpx.WriteError: VendorUnavailable, httpx.CloseError: VendorUnavailable,
    httpx.RemoteProtocolError: VendorUnavailable, httpx.LocalProtocolError: VendorUnavailable,
    httpx.ProxyError: VendorUnavailable, httpx.UnsupportedProtocol: VendorUnavailable,
    httpx.DecodingError: VendorUnavailable, httpx.TooManyRedirects: VendorUnavailable,
}


def _all_httpx_request_errors():
    out, todo = set(), [httpx.HTTPError]
    while todo:
        c = todo.pop()
        out.add(c)
        todo.extend(c.__subclasses__())
    return {c for c in out if c.__module__.startswith("httpx") and c not in (
        httpx.HTTPError, httpx.RequestError, httpx.TransportError, httpx.TimeoutException, httpx.NetworkError,
        httpx.ProtocolError, httpx.HTTPStatusError)}


def test_the_table_names_every_httpx_exception():
    assert _all_httpx_request_errors() == set(HTTPX_EXCEPTIONS)


@pytest.mark.asyncio
@pytest.mark.parametrize("exc, cls", HTTPX_EXCEPTIONS.items(), ids=lambda x: getattr(x, "__name__", ""))
async def test_every_httpx_exception_maps_to_one_class(exc, cls):
    def boom(request):
        raise exc("simulated", request=request) if exc is not httpx.DecodingError else exc("simulated")

    async with httpx.AsyncClient(transport=httpx.MockTransport(boom)) as client:
        with pytest.raises(VendorBadResponse.__mro__[1]) as info:
            await request_json(client, RequestLimiter(Budget(100, 1.0, 4)), "sungrow", "POST",
                               "https://gw.example/openapi/x", timeout_s=1.0, json_body={})
    assert type(info.value) is cls and isinstance(info.value.__cause__, exc)


@pytest.mark.asyncio
@pytest.mark.parametrize("status, cls", [(401, VendorTokenExpired), (403, VendorAuthError), (404, VendorNotSupported),
                                         (429, VendorRateLimited), (500, VendorUnavailable), (503, VendorUnavailable),
                                         (400, VendorBadResponse)])
async def test_http_statuses_map_to_one_class(status, cls):
    async with httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(status))) as client:
        with pytest.raises(VendorBadResponse.__mro__[1]) as info:
            await request_json(client, RequestLimiter(Budget(100, 1.0, 4)), "sungrow", "POST",
                               "https://gw.example/openapi/x", timeout_s=1.0, json_body={})
    assert type(info.value) is cls
