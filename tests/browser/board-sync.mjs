// Two browser contexts on the Blazor WebAssembly board (Converge.Client in the browser).
// Usage: node board-sync.mjs <origin> <screenshotPrefix>
// Sets a value in one context and measures when the other shows it; prints one JSON line.
import { launch } from './chromium.mjs';

const [origin, screenshotPrefix] = process.argv.slice(2);
const browser = await launch();
try {
  const open = async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error('pageerror:', e.message));
    await page.goto(`${origin}/`);
    await page.waitForSelector('#set', { timeout: 90000 });
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Connected', null, { timeout: 30000 });
    return page;
  };
  const [a, b] = [await open(), await open()];
  const value = `from A ${Date.now()}`;
  await a.fill('#key', 'title');
  await a.fill('#value', value);
  const started = Date.now();
  await a.click('#set');
  await b.waitForFunction((value) => document.querySelector('li[data-key="title"]')?.textContent?.includes(value), value, { timeout: 10000 });
  const latencyMs = Date.now() - started;
  await a.waitForFunction(() => document.querySelector('#pending')?.textContent?.startsWith('0 '), null, { timeout: 10000 });
  await a.screenshot({ path: `${screenshotPrefix}-a.png` });
  await b.screenshot({ path: `${screenshotPrefix}-b.png` });
  console.log(JSON.stringify({
    latencyMs,
    transportA: await a.textContent('#transport'),
    transportB: await b.textContent('#transport'),
    shownInB: await b.textContent('li[data-key="title"]'),
  }));
} finally {
  await browser.close();
}
