// Chromium's native EventSource against Converge's SSE endpoint.
// Usage: node eventsource-resume.mjs <origin> <documentId> <expectedSequence> <screenshotPath>
// Prints "READY <sequence>" once subscribed and caught up, then, when the stream has been cut and the browser has
// resumed by itself (with Last-Event-ID) up to <expectedSequence>, one JSON line with what it saw.
import { launch } from './chromium.mjs';

const [origin, documentId, expected, screenshot] = process.argv.slice(2);
const browser = await launch();
try {
  const page = await browser.newPage();
  await page.goto(`${origin}/`);
  await page.evaluate(({ documentId }) => {
    const hello = { type: 'hello', protocolVersion: 1, clientId: 'chromium', subscriptions: [{ documentId, since: 0 }] };
    window.seen = { sequences: [], frames: [], opens: 0, errors: 0, lastEventIds: [] };
    const source = new EventSource(`/sync/sse?hello=${encodeURIComponent(JSON.stringify(hello))}`);
    source.onopen = () => window.seen.opens++;
    source.onerror = () => window.seen.errors++;
    source.onmessage = (event) => {
      const frame = JSON.parse(event.data);
      window.seen.frames.push(frame.type);
      if (event.lastEventId) window.seen.lastEventIds.push(event.lastEventId);
      if (frame.type === 'snapshot') window.seen.sequences.push(...[frame.sequence].filter((s) => s > 0).map((s) => `snapshot:${s}`));
      if (frame.type === 'changes') for (const change of frame.changes) window.seen.sequences.push(change.sequence);
      if (frame.type === 'subscribed') window.seen.subscribedAt = frame.sequence;
      document.body.textContent = `received ${window.seen.sequences.length} changes; last id ${event.lastEventId}`;
    };
  }, { documentId });

  await page.waitForFunction(() => window.seen.subscribedAt !== undefined, null, { timeout: 20000 });
  const first = await page.evaluate(() => window.seen.subscribedAt);
  console.log(`READY ${first}`);

  // The test cuts the stream now and writes more; the browser reconnects on its own.
  await page.waitForFunction((expected) => {
    const numbers = window.seen.sequences.filter((s) => typeof s === 'number');
    return window.seen.opens >= 2 && numbers.length > 0 && numbers[numbers.length - 1] >= expected;
  }, Number(expected), { timeout: 30000 });
  await page.screenshot({ path: screenshot });
  console.log(JSON.stringify(await page.evaluate(() => window.seen)));
} finally {
  await browser.close();
}
