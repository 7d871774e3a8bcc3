/*
 * A parallel synth: the per-object checks of the rendered manifests (schema, CEL, istiod's webhook)
 * and the writing of their files run on a worker thread (check-worker.ts) while the synth's own
 * thread renders the next chart, then runs the analysis and the flows. Synth stays synchronous, as cdk8s's is: the
 * synth waits for the worker's replies on a shared counter (Atomics.wait) and takes them off the
 * port without the event loop (worker_threads.receiveMessageOnPort,
 * https://nodejs.org/api/worker_threads.html#workerreceivemessageonportport). The verdicts are those
 * of the same functions run in the thread: a batch the worker cannot check (it failed to start,
 * threw, or stopped answering) is checked again in the thread, where an error recurs as it would
 * without the worker.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { Manifest } from '../validate/finding';
import type { ObjectCheckPool } from '../validate/synth-check';
import { checkObjects, ObjectVerdict, ValidateOptions } from '../validate/validate';
import { resolveCrdDirectory } from '../validate/crd-schemas';
import type { Chart } from 'cdk8s';
import type { CheckWorkerBatch, CheckWorkerData, CheckWorkerReply } from './check-worker';

/** Manifests per message: the worker starts on the first while the rest are still rendering. */
const BATCH = 200;

/**
 * The payload per message, in characters: a batch ends before it would carry more. The worker holds
 * a batch twice, as objects and as YAML, in a bounded heap (oldGenerationMiB), so 200 dashboards of
 * 1 MB each in one message would take it past its limit, where it stops answering.
 */
const BATCH_CHARS = 4 * 2 ** 20;

/**
 * What a manifest carries beyond its shape, cheaply: the text of a ConfigMap's or Secret's data (a
 * dashboard, a rule file, a certificate), which can be up to kube-apiserver's 3 MiB; other objects
 * count as 1 KiB.
 */
function payloadChars(m: Manifest): number {
  // Read from the two kinds only: a look at three fields of every object of every kind costs more than the rest of the batching.
  if (m.kind !== 'ConfigMap' && m.kind !== 'Secret') return 1024;
  let chars = 1024;
  for (const key of ['data', 'binaryData', 'stringData']) {
    const values = m[key];
    if (values && typeof values === 'object') for (const v of Object.values(values)) if (typeof v === 'string') chars += v.length;
  }
  return chars;
}

/** `manifests` in batches of at most BATCH manifests and BATCH_CHARS characters (a larger manifest alone). */
function batchesOf(manifests: readonly Manifest[]): Manifest[][] {
  const out: Manifest[][] = [];
  let batch: Manifest[] = [];
  let chars = 0;
  for (const m of manifests) {
    const size = payloadChars(m);
    if (batch.length > 0 && (batch.length >= BATCH || chars + size > BATCH_CHARS)) {
      out.push(batch);
      batch = [];
      chars = 0;
    }
    batch.push(m);
    chars += size;
  }
  if (batch.length > 0) out.push(batch);
  return out;
}

/**
 * How long the synth waits for a reply before it checks the rest itself: a worker that ran out of
 * memory never answers, and its exit is reported only on the event loop, which a synchronous synth
 * does not reach. A batch takes well under a second, on a loaded machine too, and is bounded in size
 * (BATCH_CHARS) so that the worker's bounded heap holds it.
 */
const PATIENCE_MS = 30_000;

/**
 * The worker's old generation, in MiB: its schemas, compiled validators and one manifest at a time
 * need about 30 MiB (the CRD schemas the package carries); more for a larger CRD directory. V8 grows
 * a heap by its allocation rate, not by what it keeps: without a limit the worker's heap grows to
 * several times that, which a synth's peak memory pays.
 */
function oldGenerationMiB(options: ValidateOptions): number {
  let bytes = 0;
  try {
    const dir = resolveCrdDirectory(options.crdDirectory);
    for (const f of fs.readdirSync(dir)) bytes += fs.statSync(path.join(dir, f)).size;
  } catch {
    // An unreadable directory fails the checks, in the worker and in the thread alike.
  }
  return 64 + Math.ceil((8 * bytes) / 2 ** 20);
}

/** Where the worker writes each chart's files: a directory, and each chart's folder and namespace in it. */
export interface FilesOfCharts {
  /** The directory of the new tree. */
  readonly dir: string;
  /** A chart's folder, and its namespace, which file names leave out. */
  readonly placeOf: (chart: Chart) => { folder: string; namespace?: string };
}

/** The per-object checks on a worker thread, which writes each manifest's file where the synth gives a new tree. */
export class WorkerObjectChecks implements ObjectCheckPool {
  /**
   * A pool on a new worker thread, or undefined where none can start: the worker's module is
   * missing (the library bundled into one file) or TypeScript sources run without ts-node.
   */
  public static start(options: ValidateOptions, files?: FilesOfCharts): WorkerObjectChecks | undefined {
    const entry = path.join(__dirname, `check-worker${path.extname(__filename)}`);
    if (!fs.existsSync(entry)) return undefined;
    const { port1, port2 } = new MessageChannel();
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const workerData: CheckWorkerData = { port: port2, signal, options };
    let worker: Worker;
    try {
      // Not the process's own preloads (`node -r ts-node/register app.ts` would load a compiler into the bounded heap);
      // from the TypeScript sources, ts-node's compiler lives in the worker's heap too.
      const compiler = entry.endsWith('.ts') ? 256 : 0;
      worker = new Worker(bootstrap(entry), {
        eval: true, execArgv: [], workerData, transferList: [port2],
        resourceLimits: { maxOldGenerationSizeMb: oldGenerationMiB(options) + compiler },
      });
    } catch {
      return undefined;
    }
    // A synth never keeps the process alive.
    worker.unref();
    port1.unref();
    return new WorkerObjectChecks(worker, port1, signal, options, files);
  }

  /** The manifests whose verdict and YAML the worker gave (the others were checked in the thread). */
  public checkedByWorker = 0;
  private readonly batches: (readonly Manifest[])[] = [];
  private readonly written = new Set<Manifest>();
  private collected?: ObjectVerdict[];

  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    private readonly signal: Int32Array,
    private readonly options: ValidateOptions,
    private readonly files: FilesOfCharts | undefined,
  ) {}

  public submit(manifests: readonly Manifest[], chart: Chart): void {
    const files = this.files && { dir: this.files.dir, ...this.files.placeOf(chart) };
    for (const part of batchesOf(manifests)) {
      const batch: CheckWorkerBatch = { manifests: part, files };
      this.batches.push(batch.manifests);
      this.port.postMessage(batch);
    }
  }

  public collect(): readonly ObjectVerdict[] {
    if (this.collected) return this.collected;
    const out: ObjectVerdict[] = [];
    let answering = true;
    for (const batch of this.batches) {
      const reply = answering ? this.next() : undefined;
      if (reply && 'verdicts' in reply) {
        out.push(...reply.verdicts);
        this.checkedByWorker += batch.length;
        if (this.files) for (const m of batch) this.written.add(m);
      } else {
        // A worker that failed or stopped answering is not asked again.
        answering = false;
        out.push(...checkObjects(batch, this.options));
      }
    }
    this.close();
    this.collected = out;
    return out;
  }

  /** Whether the worker wrote `manifest`'s file. */
  public wrote(manifest: Manifest): boolean {
    return this.written.has(manifest);
  }

  /** Ends the worker thread. */
  public close(): void {
    this.port.close();
    void this.worker.terminate();
  }

  /** The next reply, or undefined when the worker stops answering. */
  private next(): CheckWorkerReply | undefined {
    for (;;) {
      const seen = Atomics.load(this.signal, 0);
      const message = receiveMessageOnPort(this.port);
      if (message) return message.message as CheckWorkerReply;
      if (Atomics.wait(this.signal, 0, seen, PATIENCE_MS) === 'timed-out') return undefined;
    }
  }
}

/**
 * The worker's code: its module (from the TypeScript sources, in tests and `ts-node src/main.ts`, compiled by
 * ts-node as the thread's are); a module that fails to load still answers, so the synth checks everything itself.
 */
function bootstrap(entry: string): string {
  const register = entry.endsWith('.ts') ? `require(${JSON.stringify(require.resolve('ts-node'))}).register({ swc: true });` : '';
  return `try { ${register} require(${JSON.stringify(entry)}); } catch (e) {
  const { workerData } = require('node:worker_threads');
  workerData.port.postMessage({ error: String(e && e.message || e) });
  Atomics.add(workerData.signal, 0, 1);
  Atomics.notify(workerData.signal, 0);
}`;
}
