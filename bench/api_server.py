"""The ASGI app P3 serves with uvicorn: exactly the FastAPI app that prod mounts in front of Reflex
(``woms_app.api.app.create_api``); /api paths never reach the Reflex layer behind it.
``WOMS_BENCH_NOW`` (ISO instant) freezes the application's clock there: P3 sweeps the hours of a day."""
import os
from datetime import datetime

from woms_app.api.app import create_api
from woms_app.core import clock

if os.environ.get("WOMS_BENCH_NOW"):
    clock.freeze(datetime.fromisoformat(os.environ["WOMS_BENCH_NOW"]))

app = create_api()
