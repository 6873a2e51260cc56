// Real-time adherence (console/adherence.html) and the wallboard's staffing panel
// (console/_staffing.html): the [data-rta-live] part is fetched again every
// data-rta-refresh seconds (from data-rta-source, else the page itself) and swapped in place, keeping the chosen group (no inline script:
// the console's CSP allows scripts from 'self' only).
(function () {
  "use strict";
  const page = document.querySelector("[data-rta-refresh]");
  if (!page) return;
  const seconds = Number(page.dataset.rtaRefresh) || 15;
  const source = page.dataset.rtaSource || window.location.href;
  async function refresh() {
    try {
      const reply = await fetch(source, { headers: { Accept: "text/html" } });
      if (!reply.ok) return;
      const fresh = new DOMParser().parseFromString(await reply.text(), "text/html");
      const next = fresh.querySelector("[data-rta-live]");
      const now = document.querySelector("[data-rta-live]");
      if (next && now) now.replaceWith(next);
      const title = fresh.querySelector(".rta h1 small");
      const shown = document.querySelector(".rta h1 small");
      if (title && shown) shown.textContent = title.textContent;
    } catch (error) {
      // offline for a moment: the next round tries again
    }
  }
  window.setInterval(refresh, seconds * 1000);
})();
