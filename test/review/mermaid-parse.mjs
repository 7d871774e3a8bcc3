// Parses Mermaid diagrams with Mermaid's own parser (mermaid.parse) in plain Node, outside the test's thread:
// - as a worker thread (mermaid.ts): each message on workerData.port is a JSON-able array of diagram texts, answered
//   with an array of { ok, type } or { ok, error } on the same port, then counted in workerData.signal, on which the
//   test's thread waits; Mermaid loads once for every diagram the thread is asked about;
// - as a command: stdin a JSON array of diagram texts, stdout the array of answers.
// Mermaid sanitizes labels with DOMPurify, which needs a browser DOM to do anything; parsing
// does not depend on it, so its two entry points are stubbed when Node has no DOM.
import { isMainThread, workerData } from 'node:worker_threads';

/** Each diagram's verdict, in order. */
async function parseAll(mermaid, diagrams) {
  const results = [];
  for (const text of diagrams) {
    try {
      const r = await mermaid.parse(text);
      results.push({ ok: true, type: r.diagramType });
    } catch (e) {
      results.push({ ok: false, error: String(e.message ?? e).slice(0, 500) });
    }
  }
  return results;
}

async function loadMermaid() {
  const { default: DOMPurify } = await import('dompurify');
  if (typeof DOMPurify.sanitize !== 'function') DOMPurify.sanitize = (text) => String(text);
  if (typeof DOMPurify.addHook !== 'function') DOMPurify.addHook = () => {};
  const { default: mermaid } = await import('mermaid');
  mermaid.initialize({ startOnLoad: false });
  return mermaid;
}

if (isMainThread) {
  const mermaid = await loadMermaid();
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  process.stdout.write(JSON.stringify(await parseAll(mermaid, JSON.parse(input))));
} else {
  const { port, signal } = workerData;
  // A Mermaid that fails to load answers every request with the error, so the test fails with it instead of waiting.
  const mermaid = loadMermaid().catch((e) => ({ failed: String(e?.stack ?? e) }));
  port.on('message', async (diagrams) => {
    const m = await mermaid;
    port.postMessage('failed' in m ? { error: m.failed } : { results: await parseAll(m, diagrams) });
    Atomics.add(signal, 0, 1);
    Atomics.notify(signal, 0);
  });
}
