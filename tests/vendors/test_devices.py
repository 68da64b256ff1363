"""Device lists → NormalizedDevice, checked against the example bodies of vendor-apis.md (A.6.7 and B.5.4) with
hand-computed expectations; the sync stores them per plant (idempotent), and a device no longer listed turns
``unknown``."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from woms_app.core.db import SYSTEM_CONTEXT, main_session
from woms_app.models import Plant, PlantDevice
from woms_app.vendors.base import NormalizedDevice
from woms_app.vendors.solarman.parsers import parse_devices as solarman_devices
from woms_app.vendors.sungrow.parsers import devices_of_plants
from woms_app.vendors.sungrow.parsers import parse_devices as sungrow_devices

SOLARMAN_A67 = {
    "code": None, "msg": None, "success": True, "requestId": "c05d2b8e7f164a9d", "total": 3,
    "deviceListItems": [
        {"deviceSn": "2106180123", "deviceId": 210551234, "deviceType": "INVERTER", "connectStatus": 1,
         "collectionTime": 1732628712},
        {"deviceSn": "4031234567", "deviceId": 210551201, "deviceType": "COLLECTOR", "connectStatus": 1,
         "collectionTime": 1732628705},
        {"deviceSn": "EM2401998877", "deviceId": 210551299, "deviceType": "WEATHER_STATION", "connectStatus": 0,
         "collectionTime": 1732540012},
    ],
}
_SG_COMMON = {"factory_name": "SUNGROW", "rel_state": 1, "communication_dev_sn": "B2230912345"}
SUNGROW_B54 = {"rowCount": 3, "pageList": [
    {"uuid": 3345001, "ps_id": 1234567, "ps_key": "1234567_1_1_1", "device_sn": "A2231245678",
     "device_name": "SG110CX(COM1-001)", "device_type": 1, "type_name": "Inverter", "device_model_code": "SG110CX",
     "device_model_id": 337, "dev_status": "1", "dev_fault_status": 4, "chnnl_id": 1, "device_code": 1, **_SG_COMMON},
    {"uuid": 3345002, "ps_id": 1234567, "ps_key": "1234567_1_1_2", "device_sn": "A2231245679",
     "device_name": "SG110CX(COM1-002)", "device_type": 1, "type_name": "Inverter", "device_model_code": "SG110CX",
     "device_model_id": 337, "dev_status": "1", "dev_fault_status": 2, "chnnl_id": 1, "device_code": 2, **_SG_COMMON},
    {"uuid": 3345010, "ps_id": 1234567, "ps_key": "1234567_5_2_10", "device_sn": "W220009876",
     "device_name": "Meteo station", "device_type": 5, "type_name": "Meteo Station", "device_model_code": "EM-MET",
     "device_model_id": 5012, "dev_status": "1", "dev_fault_status": 4, "chnnl_id": 2, "device_code": 10,
     **_SG_COMMON},
]}


def test_solarman_device_list_example():
    # 1732628712 s = 2024-11-26 13:45:12 UTC; 1732540012 s = 2024-11-25 13:06:52 UTC
    assert solarman_devices(SOLARMAN_A67) == [
        NormalizedDevice(sn="2106180123", kind="inverter", name="Inverter", status="online",
                         last_data_at=datetime(2024, 11, 26, 13, 45, 12, tzinfo=UTC)),
        NormalizedDevice(sn="4031234567", kind="logger", name="Collector", status="online",
                         last_data_at=datetime(2024, 11, 26, 13, 45, 5, tzinfo=UTC)),
        NormalizedDevice(sn="EM2401998877", kind="weather", name="Weather Station", status="offline",
                         last_data_at=datetime(2024, 11, 25, 13, 6, 52, tzinfo=UTC)),
    ]
    assert solarman_devices({"deviceListItems": [{"deviceSn": "X", "deviceType": "FAN", "connectStatus": 2},
                                                 {"deviceType": "INVERTER"}, "junk"]}) == [
        NormalizedDevice(sn="X", kind="other", name="Fan", status="alarm", last_data_at=None)]


def test_sungrow_device_list_example_with_the_logger_it_names():
    rows = sungrow_devices(SUNGROW_B54)
    assert [(ps, d.sn, d.kind, d.status, comm) for ps, d, comm in rows] == [
        ("1234567", "A2231245678", "inverter", "online", "B2230912345"),  # dev_fault_status 4 = normal
        ("1234567", "A2231245679", "inverter", "alarm", "B2230912345"),  # 2 = alarm while online
        ("1234567", "W220009876", "weather", "online", "B2230912345"),
    ]
    devices = devices_of_plants(rows + rows)  # listed twice (two device-type queries overlap): kept once
    assert [(d.sn, d.kind, d.name, d.status) for d in devices["1234567"]] == [
        ("A2231245678", "inverter", "SG110CX(COM1-001)", "online"),
        ("A2231245679", "inverter", "SG110CX(COM1-002)", "alarm"),
        ("W220009876", "weather", "Meteo station", "online"),
        ("B2230912345", "logger", "Data logger", "online"),
    ]
    offline = {"pageList": [{**SUNGROW_B54["pageList"][0], "dev_status": "0"}]}
    assert [(d.sn, d.status) for d in devices_of_plants(sungrow_devices(offline))["1234567"]] == [
        ("A2231245678", "offline"), ("B2230912345", "offline")]


def test_the_sync_stores_each_plants_devices_once(demo):
    from woms_app.services import demo_history, plants

    demo_history.seed_history()  # lists the plants (a plants-only sync through both real adapters)
    with main_session(SYSTEM_CONTEXT) as s:
        rows = s.exec(select(Plant.name, PlantDevice.kind, PlantDevice.status, PlantDevice.last_data_at)
                      .join(PlantDevice, PlantDevice.plant_id == Plant.id)).all()
    by_plant: dict[str, list] = {}
    for name, kind, status, last in rows:
        by_plant.setdefault(name, []).append((kind, status, last))
    # Sevilla (SOLARMAN): 3 inverters, a logger, a weather station, each with the list's last-data time
    assert sorted(k for k, _s, _l in by_plant["Sevilla Solar Farm"]) == ["inverter"] * 3 + ["logger", "weather"]
    assert all(s_ == "online" and last is not None for _k, s_, last in by_plant["Sevilla Solar Farm"])
    # Phoenix (Sungrow): 3 inverters, a meteo station, the logger they report through; no last-data time
    assert sorted(k for k, _s, _l in by_plant["Phoenix Desert Array"]) == ["inverter"] * 3 + ["logger", "weather"]
    assert all(last is None for _k, _s, last in by_plant["Phoenix Desert Array"])
    assert len(by_plant) == 10

    with main_session(SYSTEM_CONTEXT) as s:
        plant = s.exec(select(Plant).where(Plant.name == "Munich Family Home")).one()
        devs = s.exec(select(PlantDevice).where(PlantDevice.plant_id == plant.id)).all()
        inverter = next(d for d in devs if d.kind == "inverter")
        listed = [NormalizedDevice(sn=d.sn, kind=d.kind, name=d.name, status=d.status, last_data_at=d.last_data_at)
                  for d in devs]
        now = datetime.now(UTC)
        assert plants.store_devices(s, plant, listed, now) is False  # the same list again: nothing changes
        assert plants.store_devices(s, plant, [x for x in listed if x.sn != inverter.sn], now) is True
        s.refresh(inverter)
        assert inverter.status == "unknown"
        assert len(s.exec(select(PlantDevice).where(PlantDevice.plant_id == plant.id)).all()) == len(devs)
