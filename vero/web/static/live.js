// Wallboard and agents page: take each snapshot from /console/stream (server-sent events) and
// swap the text of the cells marked data-field. The server formats everything; this only places.
(() => {
  "use strict";
  // the page's CSRF token (csrf.py): every state change sends it, with the page's Origin
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  const root = document.querySelector("[data-live]");
  if (!root) return;

  function fill(element, values) {
    element.querySelectorAll("[data-field]").forEach((cell) => {
      const value = values[cell.dataset.field];
      if (value !== undefined) cell.textContent = value === null ? "" : String(value);
    });
  }

  function connected(live) {
    root.querySelectorAll("[data-when-live]").forEach((e) => { e.hidden = !live; });
    root.querySelectorAll("[data-when-lost]").forEach((e) => { e.hidden = live; });
    root.querySelector("[data-connection]").dataset.connection = live ? "live" : "lost";
  }

  // The overdue complaints: the count, and the list rebuilt from text nodes (never HTML).
  function showOverdue(overdue) {
    const box = root.querySelector("[data-overdue]");
    if (!box) return;
    fill(box, overdue);
    box.querySelector("[data-when-none]").hidden = overdue.count > 0;
    box.querySelector("[data-overdue-list]").replaceChildren(...overdue.cases.map((c) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      const how = document.createElement("strong");
      link.href = c.url;
      link.textContent = c.ref;
      how.textContent = c.overdue_text;
      item.append(link, ` · ${c.category} · `, how);
      return item;
    }));
  }

  function show(board) {
    fill(root.querySelector(".status"), board);
    // the wallboard's queue lines, charts and alerts: wallboard.js
    root.dispatchEvent(new CustomEvent("vero:board", {detail: board}));
    for (const s of board.states) {
      const tile = root.querySelector(`.tile[data-state="${CSS.escape(s.state)}"]`);
      if (tile) fill(tile, s);
    }
    showOverdue(board.overdue);
    if (!root.matches(".agents")) return;
    const rows = root.querySelectorAll("tr[data-agent]");
    if (rows.length !== board.agents.length) { location.reload(); return; }
    for (const a of board.agents) {
      const row = root.querySelector(`tr[data-agent="${CSS.escape(a.id)}"]`);
      if (!row) { location.reload(); return; }
      fill(row, a);
      row.dataset.state = a.state;
      const monitor = row.querySelector("[data-monitor]");  // on a live call: monitor.js
      if (monitor) { monitor.dataset.task = a.call; monitor.hidden = !a.call; }
    }
  }

  // EventSource reconnects by itself after a stream ends or drops (the server's retry: hint).
  // A refused stream closes it for good: 401 (the session has ended: a reload shows the login
  // page) or 503 (the server is at its limit of open streams: open a new one a little later;
  // the jitter keeps refused wallboards from coming back at once).
  const REFUSED_RETRY_MS = 5000;
  function listen() {
    const source = new EventSource(root.dataset.live);
    source.onmessage = (event) => { connected(true); show(JSON.parse(event.data)); };
    source.onerror = async () => {
      connected(false);
      if (source.readyState !== EventSource.CLOSED) return;
      try {
        const page = await fetch(location.href, {redirect: "manual"});
        if (page.type === "opaqueredirect") { location.reload(); return; }
      } catch (error) { /* the server is away: try the stream again later */ }
      setTimeout(listen, REFUSED_RETRY_MS * (1 + Math.random()));
    };
  }
  listen();

  root.querySelectorAll("form[data-state-form]").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const failed = form.querySelector("[data-failed]");
      const reply = await fetch(form.action, {
        method: "POST",
        headers: {"Content-Type": "application/json", "X-CSRF-Token": csrfToken},
        body: JSON.stringify({state: form.elements.state.value}),
      });
      if (reply.status === 401) { location.reload(); return; }  // the login page says why
      failed.hidden = reply.ok;
      if (!reply.ok) failed.title = (await reply.json()).error || reply.statusText;
    });
  });
})();
