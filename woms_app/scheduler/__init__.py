"""Background jobs (APScheduler, one leader): see ``runner``."""
