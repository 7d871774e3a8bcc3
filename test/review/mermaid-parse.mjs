// Parses Mermaid diagrams with Mermaid's own parser (mermaid.parse) in plain Node.
// stdin: a JSON array of diagram texts; stdout: a JSON array of { ok, error }.
// Mermaid sanitizes labels with DOMPurify, which needs a browser DOM to do anything; parsing
// does not depend on it, so its two entry points are stubbed when Node has no DOM.
import DOMPurify from 'dompurify';

if (typeof DOMPurify.sanitize !== 'function') DOMPurify.sanitize = (text) => String(text);
if (typeof DOMPurify.addHook !== 'function') DOMPurify.addHook = () => {};
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

let input = '';
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const text of JSON.parse(input)) {
  try {
    const r = await mermaid.parse(text);
    results.push({ ok: true, type: r.diagramType });
  } catch (e) {
    results.push({ ok: false, error: String(e.message ?? e).slice(0, 500) });
  }
}
process.stdout.write(JSON.stringify(results));
