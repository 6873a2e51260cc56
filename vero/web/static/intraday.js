// The wallboard's intraday panel (templates/console/_intraday.html): every minute, fetch
// /console/intraday and swap the text of its cells. The server formats everything; this only
// places. A series new since the page loaded shows after a reload.
(() => {
  "use strict";
  const root = document.querySelector("[data-intraday]");
  if (!root) return;
  const REFRESH_MS = 60000;

  function fill(element, values) {
    element.querySelectorAll("[data-field]").forEach((cell) => {
      const value = values[cell.dataset.field];
      if (value !== undefined) cell.textContent = value === null ? "" : String(value);
    });
  }

  async function refresh() {
    try {
      const reply = await fetch(root.dataset.intraday, { headers: { Accept: "application/json" } });
      if (!reply.ok) return;
      const panel = await reply.json();
      fill(root, panel);
      root.querySelectorAll("[data-when-published]").forEach((e) => { e.hidden = !panel.published; });
      root.querySelectorAll("[data-when-unpublished]").forEach((e) => { e.hidden = panel.published; });
      panel.rows.forEach((row) => {
        const line = root.querySelector(`[data-series="${CSS.escape(`${row.queue}|${row.channel}`)}"]`);
        if (line) fill(line, row);
      });
    } catch (error) {
      // the next minute tries again; the wallboard's own status shows a lost connection
    }
  }

  setInterval(refresh, REFRESH_MS);
})();
