// The board's small JavaScript side, called synchronously from .NET (IJSInProcessRuntime):
//  - convergeStore: localStorage under one tab's slot prefix, for BrowserClientStore (see docs/board.md);
//  - convergeBoard: the per-tab settings (sessionStorage), and putting remote text edits into a textarea without
//    moving the caret.
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

  // Puts a new text into a textarea the user may be typing in. Setting .value moves the caret to the end, so the
  // selection is carried over: the change is taken as one replaced range (common prefix and suffix); a caret before
  // it stays, one after it moves with the text after it, one inside it goes to the end of the new range.
  function showText(element, text) {
    const old = element.value;
    if (old === text) return;
    const focused = document.activeElement === element;
    const { selectionStart, selectionEnd, selectionDirection, scrollTop } = element;
    const high = (s, i) => i >= 0 && i < s.length && s.charCodeAt(i) >= 0xd800 && s.charCodeAt(i) <= 0xdbff;
    let prefix = 0;
    while (prefix < old.length && prefix < text.length && old[prefix] === text[prefix]) prefix++;
    if (prefix > 0 && high(old, prefix - 1)) prefix--; // never between the halves of a surrogate pair
    let suffix = 0;
    while (suffix < old.length - prefix && suffix < text.length - prefix && old[old.length - 1 - suffix] === text[text.length - 1 - suffix]) suffix++;
    if (suffix > 0 && high(old, old.length - 1 - suffix)) suffix--;
    const map = (i) => (i <= prefix ? i : i >= old.length - suffix ? i + text.length - old.length : text.length - suffix);
    element.value = text;
    if (focused) element.setSelectionRange(map(selectionStart), map(selectionEnd), selectionDirection);
    element.scrollTop = scrollTop;
  }

  window.convergeBoard = {
    getSetting: (key) => sessionStorage.getItem(`converge-board/${key}`),
    setSetting: (key, value) => sessionStorage.setItem(`converge-board/${key}`, value),
    showText,
  };
})();
