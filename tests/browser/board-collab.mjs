// End-to-end scenarios on the full board, two browser contexts (two users) each.
// Usage: node board-collab.mjs <scenario> <origin> <screenshotPrefix>
//   edits     an edit in one context shows in the other: add, title, description, vote, tag, move (latencies in ms)
//   cursors   the other context's cursor appears and follows the mouse; both avatars show
//   offline   offline toggle queues edits (pending > 0) while the other edits too; back online both converge
//   rejected  a change the server refuses is shown, then rolled back with the reason
//   reload    a reload while offline keeps the pending edits (browser local store), among them chained text edits held
//             behind the first; back online they are sent and merge with the other context's concurrent typing
//   typing    two contexts type into one description at once, at different places, live and then one offline: every
//             keystroke of both survives (OT text), and the typing context's caret stays where it types
// Prints one JSON line with what it measured; throws (non-zero exit) when a wait times out.
import { launch } from './chromium.mjs';
import { openBoard, addCard, card, waitCard, waitCardWithTitle, waitPending, waitState, pending, snapshot } from './board-page.mjs';

const [scenario, origin, shots] = process.argv.slice(2);
const url = `${origin}/board/${scenario}-${Date.now()}`;
const browser = await launch();
const timed = async (action, wait) => { const t = Date.now(); await action(); await wait(); return Date.now() - t; };
const shoot = (page, name) => page.screenshot({ path: `${shots}-${name}.png` });

const scenarios = {
  async edits() {
    const [a, b] = [await openBoard(browser, url), await openBoard(browser, url)];
    const result = {};
    let id;
    // Warm-up (WebAssembly interprets code the first time it runs): timed apart, not asserted.
    result.warmupMs = await timed(() => addCard(a, 'warm-up'), () => waitCardWithTitle(b, 'warm-up'));
    const warm = await waitCardWithTitle(a, 'warm-up');
    await a.click(`${card(warm)} .delete-card`);
    await b.waitForSelector(card(warm), { state: 'detached', timeout: 10000 });
    // Each latency runs from the action that commits the edit (a click, Enter, a keystroke) to the other context showing it.
    await a.fill('#new-title', 'Write the docs');
    result.addMs = await timed(() => a.click('#add-card'), () => waitCardWithTitle(b, 'Write the docs'));
    id = await waitCardWithTitle(a, 'Write the docs');
    await a.fill(`${card(id)} .card-title`, 'Write the board docs');
    result.titleMs = await timed(() => a.press(`${card(id)} .card-title`, 'Enter'),
      () => waitCard(b, id, (c) => c.querySelector('.card-title').value === 'Write the board docs'));
    result.descriptionMs = await timed(() => b.fill(`${card(id)} .card-description`, 'Key scheme, store, tests ✓'),
      () => waitCard(a, id, (c) => c.querySelector('.card-description').value === 'Key scheme, store, tests ✓'));
    result.voteMs = await timed(() => a.click(`${card(id)} .vote-up`), () => waitCard(b, id, (c) => c.querySelector('.votes').dataset.votes === '1'));
    await b.click(`${card(id)} .vote-up`);
    await waitCard(a, id, (c) => c.querySelector('.votes').dataset.votes === '2');
    await a.fill(`${card(id)} .tag-input`, 'docs');
    result.tagMs = await timed(() => a.press(`${card(id)} .tag-input`, 'Enter'),
      () => waitCard(b, id, (c) => c.querySelector('.tag[data-tag="docs"]') !== null));
    result.moveMs = await timed(() => a.click(`${card(id)} .move-right`), () => waitCard(b, id, (c) => c.dataset.column === 'doing'));
    // Drag and drop (HTML5 drag events): a second card dragged onto the first lands before it in its column.
    const second = await addCard(b, 'Review');
    await waitCardWithTitle(a, 'Review');
    await a.dragAndDrop(card(second), card(id));
    await waitCard(b, second, (c) => c.dataset.column === 'doing' && c.nextElementSibling?.dataset.cardId !== undefined);
    result.dragOrder = await b.evaluate(() => [...document.querySelectorAll('.column[data-column="doing"] .card')].map((c) => c.querySelector('.card-title').value));
    await a.click(`${card(second)} .delete-card`);
    await b.waitForSelector(card(second), { state: 'detached', timeout: 10000 });
    await waitPending(a, (n) => n === 0);
    await waitPending(b, (n) => n === 0);
    result.same = JSON.stringify(await snapshot(a)) === JSON.stringify(await snapshot(b));
    result.board = await snapshot(b);
    await shoot(a, 'a');
    await shoot(b, 'b');
    return result;
  },

  async cursors() {
    const [a, b] = [await openBoard(browser, url), await openBoard(browser, url)];
    await b.fill('#my-name', 'Bea Moves');
    await b.press('#my-name', 'Tab');
    await a.waitForFunction(() => document.querySelectorAll('#avatars .avatar').length === 2, null, { timeout: 10000 });
    await b.mouse.move(300, 300);
    const t = Date.now();
    await b.mouse.move(320, 310);
    await a.waitForSelector('.remote-cursor', { timeout: 10000 });
    const appearedMs = Date.now() - t;
    const where = () => a.$eval('.remote-cursor', (e) => ({ left: e.style.left, top: e.style.top, name: e.textContent.trim() }));
    const first = await where();
    await b.mouse.move(640, 420, { steps: 5 });
    await a.waitForFunction(() => document.querySelector('.remote-cursor')?.style.left === '640px'
      && document.querySelector('.remote-cursor')?.style.top === '420px', null, { timeout: 10000 });
    const second = await where();
    await shoot(a, 'a');
    const avatars = await a.$$eval('#avatars .avatar', (e) => e.map((x) => x.title));
    return { appearedMs, first, second, avatars, selfCursors: await b.$$eval('.remote-cursor', (e) => e.length) };
  },

  async offline() {
    const [a, b] = [await openBoard(browser, url), await openBoard(browser, url)];
    const shared = await addCard(a, 'Shared card');
    await waitCardWithTitle(b, 'Shared card');
    await a.click('#offline');
    await waitState(a, 'Disconnected');
    const offlineCard = await addCard(a, 'Written offline');
    await a.click(`${card(shared)} .vote-up`);
    await a.click(`${card(shared)} .vote-up`);
    await waitPending(a, (n) => n >= 3);
    const pendingWhileOffline = await pending(a);
    // Meanwhile B edits the same card: a concurrent title change and a vote.
    await b.fill(`${card(shared)} .card-title`, 'Shared card (edited by B)');
    await b.press(`${card(shared)} .card-title`, 'Enter');
    await b.click(`${card(shared)} .vote-up`);
    await waitPending(b, (n) => n === 0);
    const bSawOfflineCard = (await b.$(card(offlineCard))) !== null;
    await shoot(a, 'offline');
    await a.click('#offline');
    await waitState(a, 'Connected');
    await waitPending(a, (n) => n === 0);
    await waitCardWithTitle(b, 'Written offline');
    await waitCard(a, shared, (c) => c.querySelector('.card-title').value === 'Shared card (edited by B)' && c.querySelector('.votes').dataset.votes === '3');
    await waitCard(b, shared, (c) => c.querySelector('.votes').dataset.votes === '3');
    const [sa, sb] = [await snapshot(a), await snapshot(b)];
    await shoot(a, 'a');
    await shoot(b, 'b');
    return { pendingWhileOffline, bSawOfflineCard, same: JSON.stringify(sa) === JSON.stringify(sb), board: sb };
  },

  async rejected() {
    const [a, b] = [await openBoard(browser, url), await openBoard(browser, url)];
    const id = await addCard(a, 'Short title');
    await waitCardWithTitle(b, 'Short title');
    await waitPending(a, (n) => n === 0);
    const long = 'x'.repeat(100);
    await a.fill(`${card(id)} .card-title`, long);
    await a.press(`${card(id)} .card-title`, 'Enter');
    await a.waitForSelector('#rejection', { timeout: 10000 });
    await waitCard(a, id, (c) => c.querySelector('.card-title').value === 'Short title');
    const titleReason = await a.textContent('#rejection-reason');
    await shoot(a, 'title');
    await a.click('#dismiss-rejection');
    await a.click(`${card(id)} .vote-down`);
    await a.waitForSelector('#rejection', { timeout: 10000 });
    await waitCard(a, id, (c) => c.querySelector('.votes').dataset.votes === '0');
    const votesReason = await a.textContent('#rejection-reason');
    await waitPending(a, (n) => n === 0);
    await shoot(a, 'votes');
    return {
      titleReason, votesReason,
      titleInA: await a.$eval(`${card(id)} .card-title`, (e) => e.value),
      titleInB: await b.$eval(`${card(id)} .card-title`, (e) => e.value),
      votesInB: await b.$eval(`${card(id)} .votes`, (e) => e.dataset.votes),
    };
  },

  async reload() {
    const [a, b] = [await openBoard(browser, url), await openBoard(browser, url)];
    const id = await addCard(a, 'Before the reload');
    const area = `${card(id)} .card-description`;
    await waitCardWithTitle(b, 'Before the reload');
    await a.fill(area, 'Notes');
    await waitCard(b, id, (c) => c.querySelector('.card-description').value === 'Notes');
    await waitPending(a, (n) => n === 0);
    await a.click('#offline');
    await waitState(a, 'Disconnected');
    await a.fill(`${card(id)} .card-title`, 'Edited offline');
    await a.press(`${card(id)} .card-title`, 'Enter');
    await a.click(`${card(id)} .vote-up`);
    // Keystrokes at the end of the description: the first is the OT edit to send, the others are held behind it,
    // each chained on the one before. All of them must survive the reload, still held, still in order.
    await a.$eval(area, (e) => { e.focus(); e.setSelectionRange(e.value.length, e.value.length); });
    await a.keyboard.type(' typed offline', { delay: 20 });
    const pendingBeforeReload = await pending(a);
    // Meanwhile B types at the start: A's held edits must be transformed past B's once A is back.
    await b.$eval(area, (e) => { e.focus(); e.setSelectionRange(0, 0); });
    await b.keyboard.type('B: ', { delay: 20 });
    await waitPending(b, (n) => n === 0);
    await a.reload();
    await a.waitForSelector('#board', { timeout: 90000 });
    await waitCard(a, id, (c) => c.querySelector('.card-title').value === 'Edited offline' && c.querySelector('.votes').dataset.votes === '1'
      && c.querySelector('.card-description').value === 'Notes typed offline');
    const afterReload = {
      pendingBeforeReload,
      pending: await pending(a),
      offlineChecked: await a.isChecked('#offline'),
      state: await a.getAttribute('#status', 'data-state'),
      documentStatus: await a.getAttribute('#board', 'data-status'),
      bTitle: await b.$eval(`${card(id)} .card-title`, (e) => e.value),
    };
    await shoot(a, 'reloaded');
    await a.click('#offline');
    await waitState(a, 'Connected');
    await waitPending(a, (n) => n === 0);
    const done = (c) => c.querySelector('.card-title').value === 'Edited offline' && c.querySelector('.votes').dataset.votes === '1'
      && c.querySelector('.card-description').value === 'B: Notes typed offline';
    await waitCard(a, id, done);
    await waitCard(b, id, done);
    await shoot(b, 'b');
    return {
      afterReload,
      description: { a: await a.$eval(area, (e) => e.value), b: await b.$eval(area, (e) => e.value) },
      same: JSON.stringify(await snapshot(a)) === JSON.stringify(await snapshot(b)),
    };
  },

  async typing() {
    const [a, b] = [await openBoard(browser, url), await openBoard(browser, url)];
    const id = await addCard(a, 'Shared notes');
    const area = `${card(id)} .card-description`;
    const text = (page) => page.$eval(area, (e) => e.value);
    const caret = (page, at) => page.$eval(area, (e, at) => { e.focus(); e.setSelectionRange(at, at); }, at);
    await waitCardWithTitle(b, 'Shared notes');
    await a.fill(area, 'The fox jumps');
    await waitCard(b, id, (c) => c.querySelector('.card-description').value === 'The fox jumps');
    await waitPending(a, (n) => n === 0);

    // Live: A types in the middle while B types at the start, before A's caret; every keystroke is its own edit, and
    // each context receives the other's while still typing. A samples its textarea meanwhile, to show that it did.
    await a.evaluate((sel) => {
      window.samples = [];
      window.sampler = setInterval(() => window.samples.push(document.querySelector(sel).value), 10);
    }, area);
    await caret(a, 4);
    await caret(b, 0);
    await Promise.all([a.keyboard.type('quick brown ', { delay: 60 }), b.keyboard.type('Note: ', { delay: 100 })]);
    const samples = await a.evaluate(() => { clearInterval(window.sampler); return window.samples; });
    // A showed some of B's keystrokes before it had typed all of its own: the edits crossed.
    const crossed = samples.some((v) => v.startsWith('N') && !v.includes('quick brown '));
    await waitCard(a, id, (c) => c.querySelector('.card-description').value === 'Note: The quick brown fox jumps');
    await waitCard(b, id, (c) => c.querySelector('.card-description').value === 'Note: The quick brown fox jumps');
    const live = { a: await text(a), b: await text(b), caretA: await a.$eval(area, (e) => e.selectionStart), crossed };
    await shoot(a, 'live');

    // Offline: A's keystrokes queue as chained edits while B deletes the prefix; back online, both edits hold.
    await a.click('#offline');
    await waitState(a, 'Disconnected');
    const length = (await text(a)).length;
    await caret(a, length);
    await a.keyboard.type(' high', { delay: 20 });
    const pendingWhileOffline = await pending(a);
    await b.$eval(area, (e) => { e.focus(); e.setSelectionRange(0, 'Note: '.length); });
    await b.keyboard.press('Backspace');
    await waitPending(b, (n) => n === 0);
    await a.click('#offline');
    await waitState(a, 'Connected');
    await waitPending(a, (n) => n === 0);
    await waitCard(a, id, (c) => c.querySelector('.card-description').value === 'The quick brown fox jumps high');
    await waitCard(b, id, (c) => c.querySelector('.card-description').value === 'The quick brown fox jumps high');
    await shoot(a, 'a');
    await shoot(b, 'b');
    return { live, pendingWhileOffline, offline: { a: await text(a), b: await text(b) } };
  },
};

try {
  if (!(scenario in scenarios)) throw new Error(`unknown scenario '${scenario}'`);
  console.log(JSON.stringify(await scenarios[scenario]()));
} finally {
  await browser.close();
}
