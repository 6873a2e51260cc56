// The planning pages (forecast, roster, what-if): while a background run works, poll its status
// every second, show the step and the progress, and reload the page once the run has ended
// (done, failed or cancelled).
(() => {
  "use strict";
  const box = document.querySelector("[data-poll]");
  if (!box) return;
  const text = box.querySelector("[data-run-text]");
  const bar = box.querySelector("[data-run-progress]");

  async function poll() {
    try {
      const reply = await fetch(box.dataset.poll, {headers: {Accept: "application/json"}});
      if (reply.status === 401) { location.reload(); return; }  // the login page says why
      const status = await reply.json();
      if (status.state !== "running") { location.reload(); return; }
      text.textContent = status.text;
      if (bar && status.total) { bar.max = status.total; bar.value = status.done; }
      else if (bar) { bar.removeAttribute("value"); }
    } catch (error) { /* a dropped poll: the next one tries again */ }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 1000);
})();
