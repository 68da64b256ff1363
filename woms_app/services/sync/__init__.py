"""Vendor sync: plants, telemetry and alerts of one vendor account, recorded as a ``sync_runs`` row.

Flow (DESIGN.md §5): the adapter from ``services.adapters.adapter_for`` returns normalized records; the run upserts
them idempotently (plants by (vendor, external id), readings by (plant, ts), alerts by (vendor, external id)),
updates plant metrics, records the run and publishes to the change feed.

Failure isolation: each plant's telemetry is fetched and committed on its own, so one plant's failure
never loses or blocks the others. Run status: ``succeeded``; ``failed`` = an expected vendor error
(auth, rate limit, outage, bad response) for the vendor or any plant; ``errored`` = a bug (traceback
kept) or a cancelled run. An auth failure marks the vendor NEEDS_CREDENTIALS (the scheduler skips it
until its credentials are edited). Vendor state changes are logged once, not per poll.

Exclusivity: at most one running run per vendor (also across processes): the run row is inserted and
the others checked in one transaction (serialized by SQLite's write lock or a PostgreSQL advisory lock).

The modules, by concept:

* ``orchestrator`` — ``sync_vendor`` (one run: the list of its stages and their error handling) and
  ``planned_sync`` (the scheduler's tick: only the parts that are due);
* ``run`` — the run's lifecycle: its row (start, progress, finish, abandoned runs), the vendor's state, the
  result and progress records, what a run carries between stages (``RunState``);
* ``stage_plants``, ``stage_telemetry``, ``stage_alerts``, ``stage_classify`` — the stages, in run order;
* ``allowance`` — a run's shape and cost against the vendor's call allowance, its plan, the calls recorded.

The plant and device upserts are ``services.plants`` (the sync is their only writer); which vendors the scheduler
syncs, and how often, is ``services.sync.schedule``.

This package's names are the entry points its callers use as ``sync.<name>`` (the scheduler, the REST API, the
pages' Sync now, the vendors service).
"""
from __future__ import annotations

from woms_app.services.sync.allowance import vendor_plan
from woms_app.services.sync.orchestrator import planned_sync, sync_vendor
from woms_app.services.sync.run import STALE_RUN, PlantOutcome, ProgressCallback, SyncProgress, SyncResult

__all__ = ["STALE_RUN", "PlantOutcome", "ProgressCallback", "SyncProgress", "SyncResult", "planned_sync",
           "sync_vendor", "vendor_plan"]
