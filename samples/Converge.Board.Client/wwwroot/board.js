// The board's small JavaScript side, called synchronously from .NET (IJSInProcessRuntime):
//  - convergeStore: localStorage under one tab's slot prefix, for BrowserClientStore (see docs/board.md);
//  - convergeBoard: the per-tab settings (sessionStorage) and the board's page coordinates.
(() => {
  const leaseMs = 10000;
  const slotKey = 'converge-board/slot';

  // One store belongs to one client at a time, and tabs of one browser share localStorage: each tab claims a slot.
  // A reload keeps its slot (sessionStorage survives it); a new tab takes the first slot whose lease has lapsed
  // (a closed tab's), so edits queued by a tab that was closed offline are sent by the next tab that opens.
  function claimSlot() {
    const now = Date.now();
    let slot = sessionStorage.getItem(slotKey);
    if (slot === null) {
      for (let i = 0; ; i++) {
        const lease = Number(localStorage.getItem(`converge/lease/${i}`) ?? 0);
        if (now - lease > leaseMs) { slot = String(i); break; }
      }
      sessionStorage.setItem(slotKey, slot);
    }
    const renew = () => localStorage.setItem(`converge/lease/${slot}`, String(Date.now()));
    renew();
    setInterval(renew, leaseMs / 4);
    return `converge/${slot}/`;
  }

  window.convergeStore = {
    claimSlot,
    get: (key) => localStorage.getItem(key),
    // Returns null when written, else the browser's reason (QuotaExceededError...).
    set: (key, value) => { try { localStorage.setItem(key, value); return null; } catch (e) { return `${e.name}: ${e.message}`; } },
    remove: (key) => localStorage.removeItem(key),
    keys: (prefix) => {
      const found = [];
      for (let i = 0; i < localStorage.length; i++) {
        const key = localStorage.key(i);
        if (key !== null && key.startsWith(prefix)) found.push(key);
      }
      return found;
    },
    bytes: (prefix) => {
      let total = 0;
      for (let i = 0; i < localStorage.length; i++) {
        const key = localStorage.key(i);
        if (key !== null && key.startsWith(prefix)) total += key.length + (localStorage.getItem(key)?.length ?? 0);
      }
      return total * 2; // UTF-16, as browsers count the quota
    },
  };

  window.convergeBoard = {
    getSetting: (key) => sessionStorage.getItem(`converge-board/${key}`),
    setSetting: (key, value) => sessionStorage.setItem(`converge-board/${key}`, value),
  };
})();
