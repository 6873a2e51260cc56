// The case page: the classify and forward forms post JSON with the X-Vero-Console header (the
// console's CSRF guard, as on the agents page), then reload to show the case and its timeline.
(() => {
  "use strict";
  document.querySelectorAll("form[data-case-form]").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const failed = form.querySelector("[data-failed]");
      const reply = await fetch(form.action, {
        method: "POST",
        headers: {"Content-Type": "application/json", "X-Vero-Console": "1"},
        body: JSON.stringify(Object.fromEntries(new FormData(form))),
      });
      if (reply.ok) { location.reload(); return; }
      failed.textContent = (await reply.json()).error || reply.statusText;
      failed.hidden = false;
    });
  });
})();
