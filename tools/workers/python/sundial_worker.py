#!/usr/bin/env python3
"""sundial_worker: a Sundial task-queue worker in one file of standard-library Python.

Sundial keeps task queues (docs/tasks.md): clients enqueue tasks, workers
claim them over HTTP, run them and report the outcome. This module is the
worker side. It needs Python 3.11 and nothing outside the standard
library: copy this file next to your code.

    import os
    from sundial_worker import Worker, Retry, Permanent

    w = Worker("http://127.0.0.1:8080", os.environ["SUNDIAL_WORKER_TOKEN"],
               queue="emails", name="mailer-1", concurrency=4)

    @w.handler("send-email")
    def send(payload, task):
        if over_quota():
            raise Retry("provider over quota", after="10s")   # run again in 10 s
        if not valid(payload["to"]):
            raise Permanent("no such mailbox")                 # fail for good
        return {"sent": True}                                  # the task's result

    w.run()   # until SIGTERM or Ctrl-C, or w.stop() from another thread

What run() does:
- Long-polls POST /api/v1/queues/{queue}/claim for as many tasks as it has
  free handler threads (`concurrency`), for the types it has handlers for
  (`types` overrides; a handler registered for "*" takes every type, and
  then the claim names no types).
- Runs each task's handler on a thread of its own with (payload, task).
  `task` has .id, .type, .attempt (1 on the first delivery), .payload,
  .lease_expires_at (Unix ms) and .lease_lost (True once the server has
  given the task to another worker: a long handler may check it and give up).
- Heartbeats each running task every third of its lease (measured from the
  lease_expires_at the server answers, so worker and server clocks should
  agree; `heartbeat="5s"` sets the period instead). A heartbeat answered
  409 means the lease is lost: the task is not reported at all.
- Reports the outcome: the handler's return value (any JSON value) through
  /complete; `Retry(message, after=)` through /fail as retryable, with
  retry_after; `Permanent(message)` as not retryable; any other exception
  as retryable with "ExceptionType: text" (at most 2,000 characters). A task
  whose type has no handler fails, not retryable. A result the server
  refuses (too large, say) fails the task, not retryable.
- Network errors, 5xx, 408 and 429 never end the loop: claims back off from
  0.5 s, doubling up to 10 s; a report is retried the same way while the
  lease may still be held. 401 and 403 (a wrong token, or an admin-only
  route) and other 4xx answers to a claim (a bad queue name) are fatal:
  run() finishes the tasks in flight and raises WorkerError.
- The first SIGTERM or SIGINT (installed when run() is called from the main
  thread) stops claiming, abandons a waiting claim and lets the tasks in
  flight finish and report; then run() returns. A second one acts as it
  would without the worker (Ctrl-C twice quits at once; those tasks come
  back after their lease).

From a shell, for quick tests, each task runs a command: the payload (JSON)
on its stdin; its stdout, parsed as JSON, is the result (empty: null); a
non-zero exit fails the task, retryable, with its stderr as the error;
stdout that is not JSON fails it for good. The command sees SUNDIAL_TASK_ID,
SUNDIAL_TASK_TYPE, SUNDIAL_TASK_ATTEMPT and SUNDIAL_QUEUE (not the token).

    SUNDIAL_WORKER_TOKEN=... python3 sundial_worker.py --url http://127.0.0.1:8080 \\
        --queue emails --name w1 --exec 'python3 send_email.py'

The token comes from SUNDIAL_WORKER_TOKEN (none: no Authorization header).
"""

import argparse
import http.client
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

__all__ = ["Worker", "Task", "Retry", "Permanent", "WorkerError", "command_handler"]

log = logging.getLogger("sundial_worker")

MAX_ERROR_CHARS = 2000
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 10.0
REQUEST_TIMEOUT_S = 30.0
EMPTY_CLAIM_PAUSE_S = 0.5  # after an empty answer that came at once
ABANDON_CLAIM_AFTER_S = 2.0  # after stop(): how long a half-closed claim may still answer

_QUEUE_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
_DURATION = re.compile(r"(?:\d+(?:ms|s|m|h|d))+")
_DURATION_PART = re.compile(r"(\d+)(ms|s|m|h|d)")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


class WorkerError(RuntimeError):
    """The server refused the worker for good (bad token, bad queue name)."""


class Retry(Exception):
    """Raise from a handler to fail the task as retryable, optionally not
    before `after` (a duration such as "10s" or "500ms", or seconds)."""

    def __init__(self, message="retry requested", after=None):
        super().__init__(message)
        self.after = None if after is None else duration_text(after)


class Permanent(Exception):
    """Raise from a handler to fail the task for good (no more attempts)."""


def duration_text(value):
    """A duration for the API: "10s" stays as it is; 1.5 (seconds) is "1500ms"."""
    if isinstance(value, str):
        if not _DURATION.fullmatch(value):
            raise ValueError(f"not a duration: {value!r} (write e.g. \"500ms\", \"30s\", \"5m\", \"1h30m\")")
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return f"{round(value * 1000)}ms"
    raise ValueError(f"not a duration: {value!r}")


def duration_seconds(value):
    text = duration_text(value)
    return sum(int(n) * _UNIT_S[unit] for n, unit in _DURATION_PART.findall(text))


def _truncate(text, limit=MAX_ERROR_CHARS):
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _message(doc, status):
    """The message of an API error body, or the bare status."""
    try:
        return f"{status} {doc['error']['code']}: {doc['error']['message']}"
    except (TypeError, KeyError):
        return f"HTTP {status}"


class Task:
    """One claimed task, as its handler sees it."""

    def __init__(self, raw, heartbeat_s):
        self.id = raw["task_id"]
        self.type = raw.get("type", "default")
        self.payload = raw.get("payload")
        self.attempt = raw.get("attempt", 1)
        self.lease = raw["lease"]
        self._lost = threading.Event()
        self._heartbeat_s = heartbeat_s
        self.lease_expires_at = None
        self._expires_mono = 0.0  # lease end on this machine's monotonic clock
        self._next_beat = 0.0
        self._set_expiry(raw.get("lease_expires_at"))

    @property
    def lease_lost(self):
        """True once the server refused a heartbeat: another worker may have the task."""
        return self._lost.is_set()

    def _set_expiry(self, expires_at_ms):
        now_mono = time.monotonic()
        if isinstance(expires_at_ms, (int, float)) and not isinstance(expires_at_ms, bool):
            self.lease_expires_at = int(expires_at_ms)
            remaining = expires_at_ms / 1000.0 - time.time()
        else:
            remaining = 0.0
        if remaining <= 0:
            log.warning("task %s: lease_expires_at %r is not in the future; are the clocks in sync?",
                        self.id, expires_at_ms)
            remaining = 3.0
        self._expires_mono = now_mono + remaining
        period = self._heartbeat_s if self._heartbeat_s is not None else max(0.05, remaining / 3.0)
        self._next_beat = now_mono + period

    def __repr__(self):
        return f"Task(id={self.id!r}, type={self.type!r}, attempt={self.attempt})"


class _Api:
    """POSTs JSON to the server; one connection per call."""

    def __init__(self, base_url, token):
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base_url must be http(s)://host[:port]: {base_url!r}")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self._headers = {"Content-Type": "application/json", "Accept": "application/json",
                         "User-Agent": "sundial_worker.py"}
        if token:
            self._headers["Authorization"] = "Bearer " + token

    def connection(self, timeout):
        cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        return cls(self._host, self._port, timeout=timeout)

    def post(self, path, body, timeout=REQUEST_TIMEOUT_S, conn=None):
        """(status, parsed JSON body or None). Raises OSError or
        http.client.HTTPException when no answer came."""
        conn = conn or self.connection(timeout)
        try:
            conn.request("POST", self._prefix + path, body=json.dumps(body).encode(), headers=self._headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        try:
            doc = json.loads(data) if data else None
        except ValueError:
            doc = None
        return response.status, doc


def _task_path(task_id, verb):
    return f"/api/v1/tasks/{urllib.parse.quote(task_id, safe='')}/{verb}"


class Worker:
    """Claims tasks of one queue and runs them on handler threads; see the module docstring."""

    def __init__(self, base_url, token=None, *, queue, name=None, types=None, concurrency=1, wait="30s",
                 heartbeat=None):
        if not isinstance(queue, str) or not _QUEUE_NAME.fullmatch(queue):
            raise ValueError(f"queue must match [A-Za-z0-9._-]{{1,64}}: {queue!r}")
        if not isinstance(concurrency, int) or not 1 <= concurrency <= 1000:
            raise ValueError(f"concurrency must be an integer from 1 to 1000: {concurrency!r}")
        self.queue = queue
        self.name = name or f"{socket.gethostname()}-{os.getpid()}"
        self.concurrency = concurrency
        self.wait = duration_text(wait)
        self._wait_s = duration_seconds(self.wait)
        if self._wait_s > 60:
            raise ValueError(f"wait must be at most 60s: {wait!r}")
        self._heartbeat_s = None if heartbeat is None else max(0.05, duration_seconds(heartbeat))
        self._types = None if types is None else list(types)
        self._api = _Api(base_url, token if token is not None else os.environ.get("SUNDIAL_WORKER_TOKEN"))
        self._handlers = {}
        self._stop = threading.Event()
        self._cv = threading.Condition(threading.RLock())  # guards what follows
        self._running = set()  # Tasks claimed and not yet reported
        self._closing = False
        self._fatal = None
        self._claim_lock = threading.RLock()
        self._claim_conn = None  # the connection of the claim in progress

    def handler(self, task_type):
        """Decorator: `fn(payload, task)` runs tasks of `task_type` ("*": every type without its own)."""

        def register(fn):
            self._handlers[task_type] = fn
            return fn

        return register

    def run(self, handle_signals=True):
        """Claims and runs tasks until stop(), SIGTERM or SIGINT; then waits for the tasks in flight."""
        if not self._handlers:
            raise ValueError("register a handler first: @worker.handler(\"type\")")
        restore = self._install_signals() if handle_signals else (lambda: None)
        beats = threading.Thread(target=self._heartbeat_loop, name="sundial-heartbeat", daemon=True)
        beats.start()
        log.info("worker %s claiming from queue %s", self.name, self.queue)
        try:
            self._claim_loop()
            with self._cv:
                if self._running:
                    log.info("stopping: waiting for %d task(s) in flight", len(self._running))
                while self._running:
                    self._cv.wait()
        finally:
            with self._cv:
                self._closing = True
                self._cv.notify_all()
            beats.join()
            restore()
        if self._fatal is not None:
            raise self._fatal
        log.info("worker %s stopped", self.name)

    def stop(self):
        """Stops claiming; run() returns once the tasks in flight have finished. Any thread."""
        self._stop.set()
        with self._cv:
            self._cv.notify_all()
        with self._claim_lock:
            conn = self._claim_conn
            if conn is None or conn.sock is None:
                return
            # Half-close: a server that sees the end of the request stream
            # drops the waiting claim; an answer already on its way is read.
            try:
                conn.sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        timer = threading.Timer(ABANDON_CLAIM_AFTER_S, self._abandon_claim, args=(conn,))
        timer.daemon = True
        timer.start()

    # --- claiming -------------------------------------------------------

    def _install_signals(self):
        if threading.current_thread() is not threading.main_thread():
            return lambda: None
        previous = {}

        def stop_after(name):
            log.info("%s: stopping after the tasks in flight (again to quit now)", name)
            self.stop()

        def on_signal(signum, frame):
            for s, h in previous.items():
                signal.signal(s, h)
            # Logging and stop() take locks the interrupted code may hold: not from here.
            threading.Thread(target=stop_after, args=(signal.Signals(signum).name,), daemon=True).start()

        for s in (signal.SIGTERM, signal.SIGINT):
            previous[s] = signal.signal(s, on_signal)

        def restore():
            for s, h in previous.items():
                if signal.getsignal(s) is on_signal:
                    signal.signal(s, h)

        return restore

    def _claim_loop(self):
        backoff = 0.0
        while not self._stop.is_set():
            with self._cv:
                while len(self._running) >= self.concurrency and not self._stop.is_set():
                    self._cv.wait()
                free = self.concurrency - len(self._running)
            if self._stop.is_set():
                return
            started = time.monotonic()
            try:
                status, doc = self._claim(free)
            except (OSError, http.client.HTTPException) as e:
                if self._stop.is_set():
                    return
                backoff = self._back_off(backoff, f"claim failed: {e!r}")
                continue
            if status is None:
                return  # stopped before the claim was sent
            tasks = doc.get("tasks") if isinstance(doc, dict) else None
            if status == 200 and isinstance(tasks, list):
                backoff = 0.0
                for raw in tasks:
                    self._start(raw)
                if not tasks and time.monotonic() - started < EMPTY_CLAIM_PAUSE_S:
                    self._stop.wait(EMPTY_CLAIM_PAUSE_S)  # wait "0s": poll, but not in a tight loop
            elif status in (401, 403):
                self._fatal_error(f"the server refused the worker ({_message(doc, status)}); "
                                  "check SUNDIAL_WORKER_TOKEN")
            elif status >= 500 or status in (200, 408, 429):
                backoff = self._back_off(backoff, f"claim answered {_message(doc, status)}")
            else:
                self._fatal_error(f"the server refused the claim: {_message(doc, status)}")

    def _claim(self, free):
        body = {"worker": self.name, "max": free, "wait": self.wait}
        types = self._claim_types()
        if types is not None:
            body["types"] = types
        conn = self._api.connection(timeout=self._wait_s + REQUEST_TIMEOUT_S)
        conn.connect()
        with self._claim_lock:
            if self._stop.is_set():
                conn.close()
                return None, None
            self._claim_conn = conn
        try:
            return self._api.post(f"/api/v1/queues/{self.queue}/claim", body, conn=conn)
        finally:
            with self._claim_lock:
                self._claim_conn = None

    def _claim_types(self):
        if self._types is not None:
            return self._types
        if "*" in self._handlers:
            return None
        return sorted(self._handlers)

    def _abandon_claim(self, conn):
        with self._claim_lock:
            if self._claim_conn is conn and conn.sock is not None:
                try:
                    conn.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _back_off(self, previous, why):
        delay = BACKOFF_FIRST_S if previous == 0 else min(previous * 2, BACKOFF_MAX_S)
        log.warning("%s; again in %.1f s", why, delay)
        self._stop.wait(delay)
        return delay

    def _fatal_error(self, message):
        log.error("%s", message)
        if self._fatal is None:
            self._fatal = WorkerError(message)
        self.stop()

    # --- running --------------------------------------------------------

    def _start(self, raw):
        try:
            task = Task(raw, self._heartbeat_s)
            if not isinstance(task.id, str) or not isinstance(task.lease, str):
                raise TypeError("task_id and lease must be strings")
        except (KeyError, TypeError) as e:
            log.error("ignoring a claimed task the worker cannot read (%s): %r", e, raw)
            return
        with self._cv:
            self._running.add(task)
            self._cv.notify_all()  # the heartbeat thread has a new deadline
        threading.Thread(target=self._run_task, args=(task,), name=f"task-{task.id}", daemon=True).start()

    def _run_task(self, task):
        try:
            verb, body = self._outcome(task)
            self._report(task, verb, body)
        finally:
            with self._cv:
                self._running.discard(task)
                self._cv.notify_all()

    def _outcome(self, task):
        """("complete" | "fail", request body) for what the handler did."""
        fn = self._handlers.get(task.type) or self._handlers.get("*")
        if fn is None:
            handled = ", ".join(sorted(self._handlers)) or "none"
            return self._failure(task, f"worker {self.name!r} has no handler for task type {task.type!r} "
                                       f"(it handles: {handled})", retryable=False)
        try:
            result = fn(task.payload, task)
        except Retry as e:
            return self._failure(task, str(e), retryable=True, after=e.after)
        except Permanent as e:
            return self._failure(task, str(e), retryable=False)
        except Exception as e:  # noqa: BLE001 - any handler error fails the task
            log.warning("task %s (%s) attempt %s raised", task.id, task.type, task.attempt, exc_info=True)
            return self._failure(task, f"{type(e).__name__}: {e}", retryable=True)
        try:
            json.dumps(result, allow_nan=False)
        except (TypeError, ValueError) as e:
            return self._failure(task, f"the handler's result is not JSON: {e}", retryable=False)
        return "complete", {"lease": task.lease, "result": result}

    @staticmethod
    def _failure(task, error, retryable, after=None):
        body = {"lease": task.lease, "error": _truncate(error), "retryable": retryable}
        if after is not None:
            body["retry_after"] = after
        return "fail", body

    def _report(self, task, verb, body):
        backoff = 0.0
        give_up_at = time.monotonic() + 10.0
        while True:
            if task.lease_lost:
                log.warning("task %s: lease lost; not reporting its %s", task.id, verb)
                return
            try:
                status, doc = self._api.post(_task_path(task.id, verb), body)
            except (OSError, http.client.HTTPException) as e:
                status, doc, why = None, None, repr(e)
            else:
                why = _message(doc, status)
            if status == 200:
                log.info("task %s (%s) attempt %s: %s", task.id, task.type, task.attempt,
                         "completed" if verb == "complete" else f"failed ({doc and doc.get('status')})")
                return
            if status in (404, 409):
                task._lost.set()
                log.warning("task %s: %s refused (%s): the lease is no longer ours", task.id, verb, why)
                return
            if status in (401, 403):
                self._fatal_error(f"the server refused the worker ({why}); check SUNDIAL_WORKER_TOKEN")
                return
            if status is not None and 400 <= status < 500 and status not in (408, 429):
                if verb == "complete":
                    verb, body = self._failure(task, f"the server refused the result: {why}", retryable=False)
                    continue
                log.error("task %s: the server refused the failure report: %s", task.id, why)
                return
            if time.monotonic() > max(give_up_at, task._expires_mono):
                log.error("task %s: giving up reporting (%s); the server will hand it out again", task.id, why)
                return
            backoff = BACKOFF_FIRST_S if backoff == 0 else min(backoff * 2, BACKOFF_MAX_S)
            log.warning("task %s: %s failed (%s); again in %.1f s", task.id, verb, why, backoff)
            time.sleep(backoff)

    # --- heartbeats -----------------------------------------------------

    def _heartbeat_loop(self):
        while True:
            with self._cv:
                if self._closing:
                    return
                now = time.monotonic()
                live = [t for t in self._running if not t.lease_lost]
                due = [t for t in live if t._next_beat <= now]
                if not due:
                    next_beat = min((t._next_beat for t in live), default=None)
                    self._cv.wait(None if next_beat is None else next_beat - now)
                    continue
            for task in due:
                self._beat(task)

    def _beat(self, task):
        try:
            status, doc = self._api.post(_task_path(task.id, "heartbeat"), {"lease": task.lease},
                                         timeout=10.0)
        except (OSError, http.client.HTTPException) as e:
            status, doc, why = None, None, repr(e)
        else:
            why = _message(doc, status)
        if status == 200 and isinstance(doc, dict):
            task._set_expiry(doc.get("lease_expires_at"))
        elif status in (404, 409):
            task._lost.set()
            log.warning("task %s: heartbeat refused (%s): the lease is lost", task.id, why)
        elif status in (401, 403):
            self._fatal_error(f"the server refused the worker ({why}); check SUNDIAL_WORKER_TOKEN")
            task._next_beat = time.monotonic() + 1.0
        else:
            log.warning("task %s: heartbeat failed (%s)", task.id, why)
            task._next_beat = time.monotonic() + min(1.0, max(0.1, (task._expires_mono - time.monotonic()) / 3))


def command_handler(command, queue=None):
    """A handler that runs `command` in the shell per task (see the module docstring)."""

    def run_command(payload, task):
        env = dict(os.environ, SUNDIAL_TASK_ID=task.id, SUNDIAL_TASK_TYPE=task.type,
                   SUNDIAL_TASK_ATTEMPT=str(task.attempt))
        if queue is not None:
            env["SUNDIAL_QUEUE"] = queue
        env.pop("SUNDIAL_WORKER_TOKEN", None)
        done = subprocess.run(command, shell=True, input=json.dumps(payload).encode(), capture_output=True,
                              env=env)
        if done.returncode != 0:
            how = (f"killed by signal {-done.returncode}" if done.returncode < 0
                   else f"exited with status {done.returncode}")
            stderr = done.stderr.decode(errors="replace").strip()
            if len(stderr) > MAX_ERROR_CHARS - 60:
                stderr = "..." + stderr[-(MAX_ERROR_CHARS - 60):]  # the end says what went wrong
            raise Retry(f"command {how}: {stderr}" if stderr else f"command {how}")
        out = done.stdout.decode(errors="replace").strip()
        if not out:
            return None
        try:
            return json.loads(out)
        except ValueError:
            raise Permanent(f"the command's stdout is not JSON: {_truncate(out, 200)!r}") from None

    return run_command


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Run a shell command for each task of a Sundial queue (token: SUNDIAL_WORKER_TOKEN).")
    parser.add_argument("--url", default=os.environ.get("SUNDIAL_URL", "http://127.0.0.1:8080"),
                        help="the server (default $SUNDIAL_URL or http://127.0.0.1:8080)")
    parser.add_argument("--queue", required=True)
    parser.add_argument("--name", help="the worker's name (default host-pid)")
    parser.add_argument("--types", help="comma-separated task types to claim (default: all)")
    parser.add_argument("--concurrency", type=int, default=1, help="tasks run at once (default 1)")
    parser.add_argument("--wait", default="30s", help="long-poll wait per claim, at most 60s (default 30s)")
    parser.add_argument("--exec", dest="command", required=True,
                        help="shell command: payload JSON on stdin, result JSON on stdout")
    parser.add_argument("--quiet", action="store_true", help="log warnings and errors only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        worker = Worker(args.url, os.environ.get("SUNDIAL_WORKER_TOKEN"), queue=args.queue, name=args.name,
                        types=args.types.split(",") if args.types else None, concurrency=args.concurrency,
                        wait=args.wait)
        worker.handler("*")(command_handler(args.command, queue=args.queue))
        worker.run()
    except (ValueError, WorkerError) as e:
        print(f"sundial_worker: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
