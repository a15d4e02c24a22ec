// Helpers for driving the board (samples/Converge.Board.Client) through its stable ids and data attributes.

const started = Date.now();
let pages = 0;

export async function openBoard(browser, url, { online = true } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  // Errors, warnings and the client's own log (transport tried, fallback, reconnect) go to stderr, labelled by page
  // and time: the test shows them when a script fails.
  const label = `page ${++pages}`;
  const log = (...parts) => console.error(`[${((Date.now() - started) / 1000).toFixed(1)} s, ${label}]`, ...parts);
  page.on('pageerror', (e) => log('pageerror:', e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning' || m.text().includes('Converge.')) log(`console ${m.type()}:`, m.text());
  });
  await page.goto(url);
  await page.waitForSelector('#board', { timeout: 90000 });
  if (online) await waitState(page, 'Connected');
  return page;
}

export const waitState = (page, state, timeout = 30000) =>
  page.waitForFunction((s) => document.querySelector('#status')?.dataset.state === s, state, { timeout });

export const pending = async (page) => Number(await page.getAttribute('#pending', 'data-pending'));

export const waitPending = (page, predicate, timeout = 15000) =>
  page.waitForFunction(`(${predicate})(Number(document.querySelector('#pending')?.dataset.pending))`, null, { timeout });

export const card = (id) => `.card[data-card-id="${id}"]`;

// Adds a card and returns its id (the card whose title input shows the title).
export async function addCard(page, title) {
  await page.fill('#new-title', title);
  await page.click('#add-card');
  return waitCardWithTitle(page, title);
}

export async function waitCardWithTitle(page, title, timeout = 10000) {
  const handle = await page.waitForFunction((t) => [...document.querySelectorAll('.card')]
    .find((c) => c.querySelector('.card-title')?.value === t)?.dataset.cardId, title, { timeout });
  return handle.jsonValue();
}

export const waitCard = (page, id, predicate, timeout = 10000) =>
  page.waitForFunction(([id, predicate]) => {
    const c = document.querySelector(`.card[data-card-id="${id}"]`);
    return c !== null && new Function('c', `return (${predicate})(c)`)(c);
  }, [id, predicate.toString()], { timeout });

// What the board shows, for comparing two tabs: every card with its column, title, votes, tags and description.
export const snapshot = (page) => page.evaluate(() => [...document.querySelectorAll('.card')].map((c) => ({
  id: c.dataset.cardId,
  column: c.dataset.column,
  title: c.querySelector('.card-title').value,
  description: c.querySelector('.card-description').value,
  votes: c.querySelector('.votes').dataset.votes,
  tags: [...c.querySelectorAll('.tag')].map((t) => t.dataset.tag),
})));
