// The planning pages (forecast, roster, what-if): while a background run works, poll its status
// every second, show the progress line, and reload the page once the run has ended.
(() => {
  "use strict";
  const box = document.querySelector("[data-poll]");
  if (!box) return;

  async function poll() {
    try {
      const reply = await fetch(box.dataset.poll, {headers: {Accept: "application/json"}});
      if (reply.status === 401) { location.reload(); return; }  // the login page says why
      const status = await reply.json();
      if (status.state !== "running") { location.reload(); return; }
      box.querySelector("[data-run-text]").textContent = status.text;
    } catch (error) { /* a dropped poll: the next one tries again */ }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 1000);
})();
