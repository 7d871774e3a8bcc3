/*
 * The worker thread of a parallel synth (parallel-checks.ts): it runs the per-object checks
 * (schema, CEL, istiod's webhook) of each batch of rendered manifests the synth sends, and writes
 * each manifest's file into the new tree, while the synth's own thread runs the analysis and the
 * flows. Each reply is posted on the port, then counted in the shared signal, on which the synth waits.
 */
import { workerData } from 'node:worker_threads';
import type { Manifest } from '../validate/finding';
import { objectChecker, ObjectVerdict, ValidateOptions } from '../validate/validate';
import { fileName, toYaml, writeFiles } from './output';

/** The worker's end of its channel (a worker_threads MessagePort; typed here so that the declarations need no Node.js types). */
export interface CheckWorkerPort {
  /** Posts a reply. */
  postMessage(message: CheckWorkerReply): void;
  /** Receives each batch. */
  on(event: 'message', listener: (batch: CheckWorkerBatch) => void): unknown;
}

/** What the synth gives the worker when it starts it. */
export interface CheckWorkerData {
  /** The port batches arrive on and replies leave by. */
  readonly port: CheckWorkerPort;
  /** One counter: the number of replies posted (the synth waits on it). */
  readonly signal: Int32Array;
  /** How the objects are checked (the synth check's options). */
  readonly options: ValidateOptions;
}

/** Where the worker writes a batch's files: `<dir>/<folder>/<file name of the manifest in namespace>`. */
export interface BatchFiles {
  /** The directory of the new tree (the synth's staging directory). */
  readonly dir: string;
  /** The chart's folder. */
  readonly folder: string;
  /** The chart's namespace, which file names leave out. */
  readonly namespace?: string;
}

/** A batch: manifests of one chart, and where their files go, when the worker writes them. */
export interface CheckWorkerBatch {
  /** The manifests, as rendered. */
  readonly manifests: readonly Manifest[];
  /** Where their YAML is written; without it, the batch is only checked. */
  readonly files?: BatchFiles;
}

/** A batch's reply: each manifest's verdict, in order (their files written, where the batch has them); or why the batch could not be checked. */
export type CheckWorkerReply = { readonly verdicts: readonly ObjectVerdict[] } | { readonly error: string };

function reply(port: CheckWorkerPort, signal: Int32Array, message: CheckWorkerReply): void {
  port.postMessage(message);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

function serve({ port, signal, options }: CheckWorkerData): void {
  let check: ((m: Manifest) => ObjectVerdict) | undefined;
  port.on('message', ({ manifests, files }: CheckWorkerBatch) => {
    try {
      check ??= objectChecker(options);
      const verdicts = manifests.map(check);
      if (files) writeFiles(files.dir, manifests.map((m) => ({ path: `${files.folder}/${fileName(m, files.namespace)}`, content: toYaml(m) })));
      reply(port, signal, { verdicts });
    } catch (e) {
      // The synth runs the batch again in its own thread, where the same error is thrown.
      reply(port, signal, { error: String((e as Error)?.message ?? e) });
    }
  });
  // Loads the schemas of the target release while the synth renders (an error recurs with the first batch).
  try {
    check = objectChecker(options);
  } catch {
    // Reported with the first batch.
  }
}

if (workerData?.port) serve(workerData as CheckWorkerData);
