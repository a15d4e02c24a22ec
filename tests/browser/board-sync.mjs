// Two browser contexts on the Blazor WebAssembly board (Converge.Client in the browser).
// Usage: node board-sync.mjs <origin> <screenshotPrefix>
// Adds a card in one context and measures, from the click, when the other shows it; prints one JSON line. A first
// card (timed apart, as warmupMs) warms both pages up: WebAssembly interprets code the first time it runs.
import { launch } from './chromium.mjs';
import { openBoard, waitCardWithTitle, waitPending } from './board-page.mjs';

async function timedAdd(a, b, title) {
  await a.fill('#new-title', title);
  const started = Date.now();
  await a.click('#add-card');
  await waitCardWithTitle(b, title);
  return Date.now() - started;
}

const [origin, screenshotPrefix] = process.argv.slice(2);
const browser = await launch();
try {
  const url = `${origin}/board/sync-${Date.now()}`;
  const [a, b] = [await openBoard(browser, url), await openBoard(browser, url)];
  const warmupMs = await timedAdd(a, b, 'warm-up');
  const title = `from A ${Date.now()}`;
  const latencyMs = await timedAdd(a, b, title);
  await waitPending(a, (n) => n === 0);
  await a.screenshot({ path: `${screenshotPrefix}-a.png` });
  await b.screenshot({ path: `${screenshotPrefix}-b.png` });
  console.log(JSON.stringify({
    latencyMs,
    warmupMs,
    transportA: await a.textContent('#transport'),
    transportB: await b.textContent('#transport'),
    shownInB: title,
  }));
} finally {
  await browser.close();
}
