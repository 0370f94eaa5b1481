// BullMQ's equivalent of `sundial-bench tasks` (docs/benchmarks.md, "Task
// queues"): N jobs added with Queue.addBulk (1,000 per call) while W worker
// processes (each a BullMQ Worker with `concurrency` C) complete each job
// at once. Prints jobs/s from the first addBulk to the last completion
// counted, as one JSON line. Written from BullMQ's docs (Queue, addBulk,
// Worker with concurrency); see README.md for how to run it.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Queue, Worker } from 'bullmq';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const N = Number(arg('n', 100000));
const W = Number(arg('workers', 2));
const C = Number(arg('concurrency', 100));
const connection = { host: '127.0.0.1', port: Number(arg('port', 6379)) };
const QUEUE = 'bench-tasks';

if (process.argv.includes('--worker')) {
  // A worker process: complete each job at once.
  const worker = new Worker(QUEUE, async () => null, { connection, concurrency: C });
  worker.on('error', (e) => console.error('worker error', e));
  await worker.waitUntilReady();
  process.send('ready');
  process.on('message', async (m) => {
    if (m === 'stop') {
      await worker.close();
      process.exit(0);
    }
  });
} else {
  const queue = new Queue(QUEUE, { connection });
  await queue.obliterate({ force: true });
  const children = [];
  for (let i = 0; i < W; i++) {
    const child = fork(fileURLToPath(import.meta.url), [...process.argv.slice(2), '--worker']);
    await new Promise((resolve) => child.once('message', resolve));
    children.push(child);
  }
  const t0 = process.hrtime.bigint();
  for (let sent = 0; sent < N; ) {
    const count = Math.min(1000, N - sent);
    const jobs = [];
    for (let i = 0; i < count; i++) jobs.push({ name: 'bench', data: { i: sent + i } });
    await queue.addBulk(jobs);
    sent += count;
  }
  const tAdded = process.hrtime.bigint();
  let completed = 0;
  while ((completed = await queue.getCompletedCount()) < N) await new Promise((r) => setTimeout(r, 5));
  const t1 = process.hrtime.bigint();
  const seconds = Number(t1 - t0) / 1e9;
  const failed = await queue.getFailedCount();
  console.log(JSON.stringify({
    scenario: 'bullmq', n: N, workers: W, concurrency: C,
    added_per_s: N / (Number(tAdded - t0) / 1e9),
    jobs_per_s: completed / seconds, seconds, completed, failed,
  }));
  for (const c of children) c.send('stop');
  await queue.close();
}
