// Two browser contexts on the Blazor WebAssembly board (Converge.Client in the browser).
// Usage: node board-sync.mjs <origin> <screenshotPrefix>
// Adds a card in one context and measures when the other shows it; prints one JSON line.
import { launch } from './chromium.mjs';
import { openBoard, addCard, waitCardWithTitle, waitPending } from './board-page.mjs';

const [origin, screenshotPrefix] = process.argv.slice(2);
const browser = await launch();
try {
  const url = `${origin}/board/sync-${Date.now()}`;
  const [a, b] = [await openBoard(browser, url), await openBoard(browser, url)];
  const title = `from A ${Date.now()}`;
  const started = Date.now();
  await addCard(a, title);
  await waitCardWithTitle(b, title);
  const latencyMs = Date.now() - started;
  await waitPending(a, (n) => n === 0);
  await a.screenshot({ path: `${screenshotPrefix}-a.png` });
  await b.screenshot({ path: `${screenshotPrefix}-b.png` });
  console.log(JSON.stringify({
    latencyMs,
    transportA: await a.textContent('#transport'),
    transportB: await b.textContent('#transport'),
    shownInB: title,
  }));
} finally {
  await browser.close();
}
