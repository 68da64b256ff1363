"""The ASGI app P3 serves with uvicorn: exactly the FastAPI app that prod mounts in front of Reflex
(``woms_app.api.app.create_api``); /api paths never reach the Reflex layer behind it."""
from woms_app.api.app import create_api

app = create_api()
