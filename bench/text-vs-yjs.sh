#!/usr/bin/env bash
# Replays a shared/traces editing trace into Converge's CrdtText and into Yjs, in the same run, and writes the
# figures and the ratios (ours / Yjs) into docs/benchmarks.md, in the section between that trace's text-vs-yjs
# markers (the rest of the file, e.g. the before/after history, is left alone). BMP-only traces: the Yjs runner
# does not convert code point positions to UTF-16.
#   bench/text-vs-yjs.sh [trace] [runs]      (defaults: automerge-paper 5)
set -euo pipefail
cd "$(dirname "$0")/.."
trace="${1:-automerge-paper}"
runs="${2:-5}"

(cd bench/yjs && npm install --no-audit --no-fund --silent >/dev/null)
dotnet build -c Release bench/Converge.Benchmarks -v quiet -nologo >/dev/null
ours="$(dotnet run -c Release --no-build --project bench/Converge.Benchmarks -- text-trace "$trace" "$runs")"
yjs="$(node --expose-gc bench/yjs/trace.mjs "$trace" "$runs")"
echo "ours: $ours"
echo "yjs:  $yjs"

OURS="$ours" YJS="$yjs" TRACE="$trace" RUNS="$runs" \
CPU="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" NPROC="$(nproc)" \
DOTNET="$(dotnet --version)" NODE="$(node --version)" DATE="$(date -u +%Y-%m-%d)" \
node --input-type=module -e '
import { readFileSync, writeFileSync, existsSync } from "node:fs";
const o = JSON.parse(process.env.OURS), y = JSON.parse(process.env.YJS);
const kb = b => (b / 1024).toFixed(1) + " KiB", mb = b => (b / 1048576).toFixed(2) + " MiB", ms = t => t.toFixed(1) + " ms";
const ratio = (a, b) => (a / b).toFixed(3) + "×";
const rows = [
  ["Replay " + o.patches.toLocaleString("en-US") + " patches", ms(o.replayMs), ms(y.replayMs), ratio(o.replayMs, y.replayMs), "≤ 0.5×"],
  ["Heap retained by the document after replay", mb(o.heapBytes), mb(y.heapBytes), ratio(o.heapBytes, y.heapBytes), "≤ 1×"],
  ["Encoded state", kb(o.encodedBytes), kb(y.encodedBytes), ratio(o.encodedBytes, y.encodedBytes), "≤ 1×"],
  ["Encode", ms(o.encodeMs), ms(y.encodeMs), ratio(o.encodeMs, y.encodeMs), ""],
  ["Load (decode) the encoded state", ms(o.loadMs), ms(y.loadMs), ratio(o.loadMs, y.loadMs), ""],
];
const table = ["| measure | Converge CrdtText | " + y.engine + " | ours / Yjs | target |", "|---|---:|---:|---:|---|",
  ...rows.map(r => "| " + r.join(" | ") + " |")].join("\n");
const section = `<!-- text-vs-yjs:${process.env.TRACE}:begin (written by bench/text-vs-yjs.sh; edit outside the markers) -->
## Text CRDT vs Yjs: \`${process.env.TRACE}\` (last run ${process.env.DATE})

Machine: ${process.env.NPROC} CPU(s), ${process.env.CPU}; .NET SDK ${process.env.DOTNET}; Node ${process.env.NODE}.
Median of ${process.env.RUNS} runs each, both in the same script run.

    bench/text-vs-yjs.sh ${process.env.TRACE} ${process.env.RUNS}
    # which runs:
    dotnet run -c Release --project bench/Converge.Benchmarks -- text-trace ${process.env.TRACE} ${process.env.RUNS}
    node --expose-gc bench/yjs/trace.mjs ${process.env.TRACE} ${process.env.RUNS}

${table}

Also measured for Converge: ${(o.allocatedBytes / 1048576).toFixed(1)} MiB allocated during the replay (operations
returned to the caller included), ${o.items.toLocaleString("en-US")} items (runs) in the document, and
${kb(o.compactedEncodedBytes)} encoded after compacting the (single-replica, hence fully stable) history; a second
replica integrates the operations of all ${o.patches.toLocaleString("en-US")} patches (the remote path) in ${ms(o.integrateRemoteMs)}.

Raw:

    ours ${JSON.stringify(o)}
    yjs  ${JSON.stringify(y)}
<!-- text-vs-yjs:${process.env.TRACE}:end -->`;
const path = "docs/benchmarks.md";
let doc = existsSync(path) ? readFileSync(path, "utf8") : "# Benchmarks\n";
const t = process.env.TRACE.replace(/[^\w-]/g, "");
const re = new RegExp("<!-- text-vs-yjs:" + t + ":begin[\\s\\S]*?<!-- text-vs-yjs:" + t + ":end -->");
doc = re.test(doc) ? doc.replace(re, () => section) : doc + "\n" + section + "\n";
writeFileSync(path, doc);
console.log("updated " + path);
'
