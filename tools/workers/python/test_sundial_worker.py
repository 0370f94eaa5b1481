"""Unit tests for sundial_worker.py against a fake Sundial in the same process.

FakeSundial serves the worker routes of docs/tasks.md with http.server: it
hands out the tasks a test adds, answers heartbeats, completes and fails,
records every request, and can be scripted per route (503, 409, a dropped
connection). Tests wait for requests by polling the record, never by
sleeping a fixed time. Run: python3 -m unittest test_sundial_worker
"""

import http.server
import json
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sundial_worker  # noqa: E402
from sundial_worker import Permanent, Retry, Worker, WorkerError  # noqa: E402

if not os.environ.get("SUNDIAL_TEST_VERBOSE"):
    sundial_worker.log.setLevel(logging.CRITICAL)  # the tests provoke every warning on purpose

HERE = os.path.dirname(os.path.abspath(__file__))
TOKEN = "worker-secret"


def now_ms():
    return int(time.time() * 1000)


class FakeSundial:
    """The worker half of the task API, in memory."""

    def __init__(self):
        self.cv = threading.Condition()
        self.requests = []  # dicts: method, path, body, auth, at
        self.ready = []  # raw tasks to hand out
        self.leases = {}  # task id -> (current lease, lease length in ms)
        self.lease_ms = 30000
        self.scripts = {}  # route name -> list of answers for the next calls: (status, body) or "drop"
        self.abandoned_claims = 0
        self._n = 0
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                fake.handle(self, raw)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def add_task(self, task_type="t", payload=None, lease_ms=None):
        with self.cv:
            self._n += 1
            task_id = f"task-{self._n}"
            self.ready.append({"task_id": task_id, "type": task_type, "payload": payload, "attempt": 1,
                               "lease_ms": lease_ms or self.lease_ms})
            self.cv.notify_all()
            return task_id

    def script(self, route, *answers):
        with self.cv:
            self.scripts.setdefault(route, []).extend(answers)

    def calls(self, route, task_id=None):
        with self.cv:
            return [r for r in self.requests if r["route"] == route and (task_id is None or r["task_id"] == task_id)]

    def wait_for(self, what, predicate, timeout=10.0):
        deadline = time.monotonic() + timeout
        with self.cv:
            while True:
                value = predicate()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out waiting for {what}; requests: {self.requests}")
                self.cv.wait(min(left, 0.02))  # requests notify; files and flags are polled

    def wait_for_call(self, route, task_id=None, count=1, timeout=10.0):
        return self.wait_for(f"{count} {route} call(s) for {task_id}",
                             lambda: (lambda c: c if len(c) >= count else None)(self.calls(route, task_id)),
                             timeout)

    # --- serving ---

    def handle(self, h, raw):
        parts = h.path.strip("/").split("/")  # api v1 queues Q claim | api v1 tasks ID verb
        route = parts[-1] if len(parts) == 5 else "?"
        task_id = parts[3] if parts[2] == "tasks" else None
        body = json.loads(raw) if raw else None
        with self.cv:
            self.requests.append({"route": route, "path": h.path, "task_id": task_id, "body": body,
                                  "auth": h.headers.get("Authorization"), "at": time.monotonic()})
            self.cv.notify_all()
            answers = self.scripts.get(route)
            scripted = answers.pop(0) if answers else None
        if scripted == "drop":
            h.close_connection = True
            h.connection.shutdown(socket.SHUT_RDWR)
            return
        if scripted is not None:
            return self.send(h, *scripted)
        if route == "claim":
            return self.claim(h, body)
        with self.cv:
            lease, lease_ms = self.leases.get(task_id, (None, 0))
            if lease != body.get("lease"):
                return self.send(h, 409, {"error": {"code": "conflict", "message": "stale lease"}})
            if route == "heartbeat":
                return self.send(h, 200, {"task_id": task_id, "lease_expires_at": now_ms() + lease_ms})
            del self.leases[task_id]
            if route == "complete":
                return self.send(h, 200, {"task_id": task_id, "status": "completed"})
            status = "pending" if body.get("retryable", True) else "failed"
            return self.send(h, 200, {"task_id": task_id, "status": status})

    def claim(self, h, body):
        deadline = time.monotonic() + sundial_worker.duration_seconds(body["wait"])
        with self.cv:
            while True:
                wanted = [t for t in self.ready if body.get("types") is None or t["type"] in body["types"]]
                if wanted or time.monotonic() >= deadline:
                    break
                self.cv.wait(0.02)
                if self.client_gone(h.connection):
                    self.abandoned_claims += 1
                    self.cv.notify_all()
                    h.close_connection = True
                    return
            out = []
            for t in wanted[: body.get("max", 1)]:
                self.ready.remove(t)
                lease = f"lease-{t['task_id']}-{t['attempt']}"
                self.leases[t["task_id"]] = (lease, t["lease_ms"])
                out.append({"task_id": t["task_id"], "type": t["type"], "payload": t["payload"],
                            "attempt": t["attempt"], "lease": lease, "lease_expires_at": now_ms() + t["lease_ms"]})
        self.send(h, 200, {"tasks": out})

    @staticmethod
    def client_gone(conn):
        readable, _, _ = select.select([conn], [], [], 0)
        if not readable:
            return False
        try:
            return conn.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    @staticmethod
    def send(h, status, body):
        data = json.dumps(body).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        try:
            h.wfile.write(data)
        except OSError:
            pass


class WorkerTest(unittest.TestCase):
    def setUp(self):
        self.fake = FakeSundial()
        self.addCleanup(self.fake.close)
        self.workers = []

    def tearDown(self):
        for w, t in self.workers:
            w.stop()
            t.join(15)

    def worker(self, **kwargs):
        kwargs.setdefault("queue", "emails")
        kwargs.setdefault("name", "w1")
        kwargs.setdefault("wait", "1s")
        return Worker(self.fake.url, TOKEN, **kwargs)

    def start(self, w):
        failure = []

        def run():
            try:
                w.run(handle_signals=False)
            except Exception as e:  # noqa: BLE001 - kept for the test to read
                failure.append(e)

        t = threading.Thread(target=run, daemon=True)
        t.failure = failure
        t.start()
        self.workers.append((w, t))
        return t

    def test_claims_runs_the_handler_and_completes_with_its_result(self):
        w = self.worker(concurrency=3)
        seen = []

        @w.handler("send-email")
        def send(payload, task):
            seen.append((payload, task.id, task.type, task.attempt))
            return {"sent": True, "to": payload["to"]}

        task_id = self.fake.add_task("send-email", {"to": "a@b"})
        self.start(w)
        done = self.fake.wait_for_call("complete", task_id)[0]
        self.assertEqual(done["body"], {"lease": f"lease-{task_id}-1", "result": {"sent": True, "to": "a@b"}})
        self.assertEqual(seen, [({"to": "a@b"}, task_id, "send-email", 1)])
        claim = self.fake.calls("claim")[0]
        self.assertEqual(claim["path"], "/api/v1/queues/emails/claim")
        self.assertEqual(claim["body"], {"worker": "w1", "max": 3, "wait": "1s", "types": ["send-email"]})
        self.assertEqual(claim["auth"], f"Bearer {TOKEN}")
        self.assertEqual(self.fake.calls("fail"), [])

    def test_retry_fails_retryable_with_retry_after(self):
        w = self.worker()

        @w.handler("t")
        def busy(payload, task):
            if payload == "seconds":
                raise Retry("later", after=1.5)
            raise Retry("rate limited", after="10s")

        first = self.fake.add_task("t", "text")
        second = self.fake.add_task("t", "seconds")
        self.start(w)
        self.assertEqual(self.fake.wait_for_call("fail", first)[0]["body"],
                         {"lease": f"lease-{first}-1", "error": "rate limited", "retryable": True,
                          "retry_after": "10s"})
        self.assertEqual(self.fake.wait_for_call("fail", second)[0]["body"]["retry_after"], "1500ms")
        with self.assertRaises(ValueError):
            Retry("x", after="soon")

    def test_permanent_fails_not_retryable_and_other_errors_fail_retryable_truncated(self):
        w = self.worker()

        @w.handler("t")
        def bad(payload, task):
            if payload == "permanent":
                raise Permanent("no such mailbox")
            raise ValueError("x" * 5000)

        permanent = self.fake.add_task("t", "permanent")
        crash = self.fake.add_task("t", "crash")
        self.start(w)
        self.assertEqual(self.fake.wait_for_call("fail", permanent)[0]["body"],
                         {"lease": f"lease-{permanent}-1", "error": "no such mailbox", "retryable": False})
        body = self.fake.wait_for_call("fail", crash)[0]["body"]
        self.assertTrue(body["retryable"])
        self.assertNotIn("retry_after", body)
        self.assertTrue(body["error"].startswith("ValueError: xxx"), body["error"][:40])
        self.assertEqual(len(body["error"]), 2000)

    def test_a_type_without_a_handler_fails_not_retryable(self):
        w = self.worker(types=["a", "b"])

        @w.handler("a")
        def a(payload, task):
            return 1

        task_id = self.fake.add_task("b")
        self.start(w)
        body = self.fake.wait_for_call("fail", task_id)[0]["body"]
        self.assertFalse(body["retryable"])
        self.assertIn("no handler for task type 'b'", body["error"])
        self.assertEqual(self.fake.calls("claim")[0]["body"]["types"], ["a", "b"])

    def test_a_catch_all_handler_claims_every_type_and_a_bad_result_fails_for_good(self):
        w = self.worker()
        w.handler("*")(lambda payload, task: {1, 2} if task.type == "set" else task.type)
        plain = self.fake.add_task("anything")
        unserializable = self.fake.add_task("set")
        self.start(w)
        self.assertEqual(self.fake.wait_for_call("complete", plain)[0]["body"]["result"], "anything")
        body = self.fake.wait_for_call("fail", unserializable)[0]["body"]
        self.assertFalse(body["retryable"])
        self.assertIn("not JSON", body["error"])
        self.assertNotIn("types", self.fake.calls("claim")[0]["body"])

    def test_a_slow_handler_heartbeats_within_a_third_of_its_lease(self):
        w = self.worker()
        beaten = threading.Event()

        @w.handler("slow")
        def slow(payload, task):
            first = task.lease_expires_at
            self.assertTrue(beaten.wait(10))
            self.fake.wait_for_call("heartbeat", task.id, count=2)
            self.assertGreater(task.lease_expires_at, first)
            return "done"

        task_id = self.fake.add_task("slow", lease_ms=900)
        self.start(w)
        claimed_at = self.fake.wait_for_call("claim")[0]["at"]
        beats = self.fake.wait_for_call("heartbeat", task_id)
        beaten.set()
        self.assertEqual(beats[0]["body"], {"lease": f"lease-{task_id}-1"})
        self.assertLess(beats[0]["at"] - claimed_at, 0.8)  # well before the 900 ms lease ends
        self.assertEqual(self.fake.wait_for_call("complete", task_id)[0]["body"]["result"], "done")

    def test_a_heartbeat_answered_409_loses_the_lease_and_the_task_is_not_reported(self):
        w = self.worker()
        self.fake.script("heartbeat", (409, {"error": {"code": "conflict", "message": "stale lease"}}))

        @w.handler("t")
        def slow(payload, task):
            if payload == "lost":
                deadline = time.monotonic() + 10
                while not task.lease_lost and time.monotonic() < deadline:
                    time.sleep(0.01)
                self.assertTrue(task.lease_lost)
            return payload

        lost = self.fake.add_task("t", "lost", lease_ms=300)
        self.start(w)
        self.fake.wait_for_call("heartbeat", lost)
        later = self.fake.add_task("t", "later")
        # concurrency 1: `later` is claimed only once `lost` is off the books.
        self.fake.wait_for_call("complete", later)
        self.assertEqual(self.fake.calls("complete", lost), [])
        self.assertEqual(self.fake.calls("fail", lost), [])

    def test_server_errors_and_dropped_connections_back_off_then_recover(self):
        w = self.worker()
        w.handler("t")(lambda payload, task: "ok")
        self.fake.script("claim", (503, {"error": {"code": "unavailable", "message": "busy"}}), "drop")
        self.fake.script("complete", (500, {"error": {"code": "internal", "message": "oops"}}))
        task_id = self.fake.add_task("t")
        self.start(w)
        self.assertEqual(self.fake.wait_for_call("complete", task_id, count=2)[1]["body"]["result"], "ok")
        claims = self.fake.calls("claim")
        self.assertGreaterEqual(len(claims), 3)
        self.assertGreaterEqual(claims[1]["at"] - claims[0]["at"], 0.45)  # 0.5 s
        self.assertGreaterEqual(claims[2]["at"] - claims[1]["at"], 0.95)  # then 1 s

    def test_a_refused_token_is_fatal(self):
        w = self.worker()
        w.handler("t")(lambda payload, task: None)
        self.fake.script("claim", (401, {"error": {"code": "unauthorized", "message": "invalid bearer token"}}))
        t = self.start(w)
        t.join(10)
        self.assertFalse(t.is_alive())
        self.assertIsInstance(t.failure[0], WorkerError)
        self.assertIn("SUNDIAL_WORKER_TOKEN", str(t.failure[0]))
        self.assertEqual(len(self.fake.calls("claim")), 1)

    def test_stop_lets_the_task_in_flight_finish_and_report(self):
        w = self.worker()
        started, release = threading.Event(), threading.Event()

        @w.handler("t")
        def slow(payload, task):
            started.set()
            release.wait(10)
            return "finished"

        task_id = self.fake.add_task("t")
        self.fake.add_task("t")  # never claimed: the worker is stopping
        t = self.start(w)
        self.assertTrue(started.wait(10))
        w.stop()
        t.join(0.3)
        self.assertTrue(t.is_alive(), "run() returned before its task finished")
        release.set()
        t.join(10)
        self.assertFalse(t.is_alive())
        self.assertEqual(t.failure, [])
        self.assertEqual(self.fake.calls("complete", task_id)[0]["body"]["result"], "finished")
        self.assertEqual(len(self.fake.calls("claim")), 1)

    def test_stop_abandons_a_waiting_long_poll_at_once(self):
        w = self.worker(wait="30s")
        w.handler("t")(lambda payload, task: None)
        t = self.start(w)
        self.fake.wait_for_call("claim")
        stopped_at = time.monotonic()
        w.stop()
        t.join(10)
        self.assertFalse(t.is_alive())
        self.assertLess(time.monotonic() - stopped_at, 1.5)
        self.fake.wait_for("the claim abandoned", lambda: self.fake.abandoned_claims == 1)


class CommandTest(unittest.TestCase):
    """The --exec handler and the command line."""

    def setUp(self):
        self.fake = FakeSundial()
        self.addCleanup(self.fake.close)

    def run_command(self, command, payload="in"):
        task = sundial_worker.Task({"task_id": "t1", "type": "ty", "attempt": 2, "lease": "l",
                                    "lease_expires_at": now_ms() + 30000}, None)
        return sundial_worker.command_handler(command, queue="q")(payload, task)

    def test_the_command_reads_the_payload_and_its_stdout_is_the_result(self):
        script = ("import json, os, sys; p = json.load(sys.stdin); print(json.dumps({'p': p, 'env': "
                  "[os.environ[k] for k in ('SUNDIAL_TASK_ID', 'SUNDIAL_TASK_TYPE', 'SUNDIAL_TASK_ATTEMPT', "
                  "'SUNDIAL_QUEUE')], 'token': os.environ.get('SUNDIAL_WORKER_TOKEN')}))")
        os.environ["SUNDIAL_WORKER_TOKEN"] = "secret"
        self.addCleanup(os.environ.pop, "SUNDIAL_WORKER_TOKEN")
        result = self.run_command(f"{sys.executable} -c \"{script}\"", {"n": 1})
        self.assertEqual(result, {"p": {"n": 1}, "env": ["t1", "ty", "2", "q"], "token": None})
        self.assertIsNone(self.run_command("cat > /dev/null"))

    def test_a_failing_command_is_retryable_with_its_stderr_and_bad_stdout_is_permanent(self):
        with self.assertRaises(Retry) as failed:
            self.run_command("echo 'smtp down' >&2; exit 3")
        self.assertEqual(str(failed.exception), "command exited with status 3: smtp down")
        with self.assertRaises(Retry) as long:
            self.run_command(f"{sys.executable} -c \"import sys; sys.stderr.write('a' * 5000 + 'END')\"; exit 1")
        self.assertLessEqual(len(str(long.exception)), 2000)
        self.assertTrue(str(long.exception).endswith("aEND"))
        with self.assertRaises(Permanent):
            self.run_command("echo not json")

    def test_the_command_line_worker_finishes_its_task_on_sigterm(self):
        with tempfile.TemporaryDirectory() as tmp:
            go, started = os.path.join(tmp, "go"), os.path.join(tmp, "started")
            command = (f"cat > /dev/null; touch {started}; while [ ! -e {go} ]; do sleep 0.02; done; "
                       "echo '{\"ok\": true}'")
            task_id = self.fake.add_task("t", {"x": 1})
            self.fake.add_task("t")  # left: the worker stops before claiming it
            env = dict(os.environ, SUNDIAL_WORKER_TOKEN=TOKEN, PYTHONDONTWRITEBYTECODE="1")
            proc = subprocess.Popen([sys.executable, os.path.join(HERE, "sundial_worker.py"), "--url",
                                     self.fake.url, "--queue", "q", "--name", "cli", "--wait", "1s", "--exec",
                                     command], env=env, stderr=subprocess.PIPE)
            self.addCleanup(proc.kill)
            self.fake.wait_for("the command to start", lambda: os.path.exists(started))
            proc.send_signal(signal.SIGTERM)
            self.assertIsNone(proc.poll())
            open(go, "w").close()
            _, err = proc.communicate(timeout=15)
            self.assertEqual(proc.returncode, 0, err.decode())
            done = self.fake.calls("complete", task_id)
            self.assertEqual(done[0]["body"]["result"], {"ok": True})
            self.assertEqual(done[0]["auth"], f"Bearer {TOKEN}")
            self.assertEqual(len(self.fake.calls("claim")), 1)
            self.assertIn("SIGTERM", err.decode())

    def test_the_command_line_worker_reports_a_bad_queue_name(self):
        proc = subprocess.run([sys.executable, os.path.join(HERE, "sundial_worker.py"), "--url", self.fake.url,
                               "--queue", "no/slash", "--exec", "true"], capture_output=True, timeout=15)
        self.assertEqual(proc.returncode, 2)
        self.assertIn(b"queue must match", proc.stderr)


if __name__ == "__main__":
    unittest.main()
