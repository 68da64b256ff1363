"""P4 only (bench/p4_live.py puts this directory on the server's PYTHONPATH): when ``WOMS_BENCH_FEED_LOG`` is set,
subscribe to the change feed as soon as ``woms_app.core.feed`` is imported and append one JSON line per change
that carries the "alerts" topic: ``{"t": time.time(), "org": org_id, "pid": pid}``.

Feed callbacks run synchronously in the publisher's thread from the session's ``after_commit`` hook, and this
subscriber is registered first (at import), so ``t`` is the server-side commit time of the alert, taken before the
live adapter is even told. Nothing else in the server changes; without the variable this file does nothing."""
import os

if os.environ.get("WOMS_BENCH_FEED_LOG"):
    import importlib.abc
    import importlib.machinery
    import sys

    class _FeedHook(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name != "woms_app.core.feed":
                return None
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            if spec is None or spec.loader is None:
                return spec
            orig = spec.loader.exec_module

            def exec_module(module, _orig=orig):
                _orig(module)
                _attach(module)

            spec.loader.exec_module = exec_module
            return spec

    def _attach(feed) -> None:
        import json
        import time

        path = os.environ["WOMS_BENCH_FEED_LOG"]

        def record(change) -> None:
            if "alerts" in change.topics:
                line = json.dumps({"t": time.time(), "org": change.org_id, "pid": os.getpid()}) + "\n"
                with open(path, "a") as f:
                    f.write(line)

        feed.subscribe(record)

    sys.meta_path.insert(0, _FeedHook())
