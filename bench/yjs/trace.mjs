// Replays a shared/traces editing trace into a Y.Text, the way bench/Converge.Benchmarks/Text replays it into
// CrdtText: one transaction per patch (a delete and/or an insert), then encodes the state and loads it into a fresh
// doc. Prints one JSON object with the median of several runs. Run: node --expose-gc trace.mjs <trace> [runs]
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';

const here = dirname(fileURLToPath(import.meta.url));
const name = process.argv[2] ?? 'automerge-paper';
const runs = Number(process.argv[3] ?? 5);
const tracesDir = join(process.env.CONVERGE_SHARED || join(here, '..', '..', '..', 'shared'), 'traces');
const trace = JSON.parse(gunzipSync(readFileSync(join(tracesDir, `${name}.json.gz`))).toString('utf8'));
const patches = trace.txns.flatMap(t => t.patches);
if (!global.gc) throw new Error('run with node --expose-gc');

// Trace positions count code points, Y.Text counts UTF-16 units: convert when the text is not all BMP.
const bmpOnly = !/[\uD800-\uDFFF]/.test(trace.endContent + patches.map(p => p[2]).join(''));
if (!bmpOnly) throw new Error(`${name} has non-BMP text; this runner only handles BMP traces`);

const fullGc = () => { for (let i = 0; i < 3; i++) global.gc({ type: 'major', execution: 'sync' }); };
const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = [];
for (let run = 0; run < runs; run++) {
  fullGc();
  const heapBefore = process.memoryUsage().heapUsed;
  const start = performance.now();
  const doc = new Y.Doc();
  const text = doc.getText('text');
  if (trace.startContent) text.insert(0, trace.startContent);
  for (const [pos, del, ins] of patches) {
    doc.transact(() => {
      if (del > 0) text.delete(pos, del);
      if (ins) text.insert(pos, ins);
    });
  }
  const replayMs = performance.now() - start;
  fullGc();
  const heapBytes = process.memoryUsage().heapUsed - heapBefore;
  if (text.toString() !== trace.endContent) throw new Error('Yjs did not reproduce endContent');

  let t = performance.now();
  const update = Y.encodeStateAsUpdate(doc);
  const encodeMs = performance.now() - t;

  t = performance.now();
  const loaded = new Y.Doc();
  Y.applyUpdate(loaded, update);
  const loadMs = performance.now() - t;
  if (loaded.getText('text').toString() !== trace.endContent) throw new Error('Yjs load did not reproduce endContent');
  if (process.env.VERBOSE) console.error(JSON.stringify({ replayMs, heapBytes }));
  results.push({ replayMs, heapBytes, encodedBytes: update.length, encodeMs, loadMs });
  doc.destroy();
  loaded.destroy();
}

const summary = { engine: `yjs ${JSON.parse(readFileSync(join(here, 'node_modules', 'yjs', 'package.json'))).version}`, trace: name, patches: patches.length, runs };
for (const key of Object.keys(results[0])) summary[key] = median(results.map(r => r[key]));
console.log(JSON.stringify(summary));
