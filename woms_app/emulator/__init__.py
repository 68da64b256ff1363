"""Local emulator of the SOLARMAN and Sungrow clouds (``python -m woms_app.emulator``)."""
