/**
 * Mermaid's own parser (mermaid.parse), asked synchronously from a test: mermaid-parse.mjs on a worker thread of its
 * own (plain Node: none of the test's modules, its own DOMPurify stubs), started on the first question and kept for
 * the next ones, so that Mermaid (a second of CPU time to load) loads once per test worker instead of once per
 * question, as one child process per question did. The test's thread waits for each answer on a shared counter
 * (Atomics.wait) and takes it off the port without the event loop (receiveMessageOnPort), as a synth waits for its
 * checks (src/synth/parallel-checks.ts).
 */
import * as path from 'node:path';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';

/** How long a question may take, Mermaid's load included, on a busy machine (it takes about a second when idle). */
const PATIENCE_MS = 120_000;

/** A diagram's verdict: accepted (with the diagram's type) or refused (with Mermaid's message). */
export interface MermaidVerdict {
  readonly ok: boolean;
  readonly type?: string;
  readonly error?: string;
}

interface Parser {
  readonly port: MessagePort;
  readonly signal: Int32Array;
}

let parser: Parser | undefined;

function start(): Parser {
  const { port1, port2 } = new MessageChannel();
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(path.join(__dirname, 'mermaid-parse.mjs'), { workerData: { port: port2, signal }, transferList: [port2], execArgv: [] });
  // The thread never keeps the test worker alive, and its end (a crash) fails the question waiting for it.
  worker.unref();
  port1.unref();
  worker.on('error', () => undefined);
  return { port: port1, signal };
}

/** Each diagram's verdict from Mermaid's parser, in order. */
export function parseMermaid(diagrams: readonly string[]): MermaidVerdict[] {
  parser ??= start();
  const { port, signal } = parser;
  port.postMessage([...diagrams]);
  for (;;) {
    const seen = Atomics.load(signal, 0);
    const answer = receiveMessageOnPort(port)?.message as { results: MermaidVerdict[] } | { error: string } | undefined;
    if (answer) {
      if ('error' in answer) throw new Error(`Mermaid did not load: ${answer.error}`);
      return answer.results;
    }
    if (Atomics.wait(signal, 0, seen, PATIENCE_MS) === 'timed-out') {
      parser = undefined;
      throw new Error(`Mermaid's parser gave no answer in ${PATIENCE_MS / 1000} s`);
    }
  }
}
