#!/usr/bin/env python3
"""The workers of the periodic catch-ups recipe (docs/recipes/periodic-catch-ups.md).

Each handler stands for the seed's job: replace the bodies with your own
code (the Notion rehydrate, the LLM back-fill, the Monday.com sync). What
each returns is the task's result; raising Retry or Permanent fails it
(sundial_worker.py). The schedules' run logs replace the sync_log table:
`sundialctl schedules runs rehydrate` shows each run's outcome and
duration.

    SUNDIAL_WORKER_TOKEN=... python3 worker.py --url http://127.0.0.1:8080

CATCH_UPS_LOG (optional): a file each handler appends one JSON line to,
as the seed's jobs logged their runs (the recipe's test reads it).
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "tools", "workers", "python"))
from sundial_worker import Worker  # noqa: E402  (copy sundial_worker.py next to this file in your project)


def log_run(task, **fields):
    path = os.environ.get("CATCH_UPS_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"task": task.id, "type": task.type, "at": time.time(), **fields}) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--name", default="catch-ups-1")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--wait", default="10s", help="how long a claim waits for a task")
    args = parser.parse_args()
    w = Worker(args.url, os.environ.get("SUNDIAL_WORKER_TOKEN"), queue="catch-ups", name=args.name,
               concurrency=args.concurrency, wait=args.wait)

    @w.handler("rehydrate")
    def rehydrate(payload, task):
        # The seed's hourly delta rehydrate: re-read what changed upstream.
        log_run(task, mode=payload.get("mode"))
        return {"rehydrated": True, "mode": payload.get("mode")}

    @w.handler("backfill")
    def backfill(payload, task):
        # The nightly LLM back-fill of what the day's syncs left empty.
        log_run(task, since=payload.get("since"))
        return {"backfilled": True}

    @w.handler("monday-sync")
    def monday_sync(payload, task):
        log_run(task)
        return {"synced": True}

    @w.handler("rehydrate_and_analyze")
    def rehydrate_and_analyze(payload, task):
        log_run(task, parent=payload["parent_id"])
        return {"parent_id": payload["parent_id"], "analyzed": True}

    w.run()


if __name__ == "__main__":
    main()
