// The case page: the classify, forward and "Call customer" forms post JSON with the page's CSRF
// token (as on the agents page), then reload to show the case and its timeline (a call rings
// the chosen agent's phone first, then the customer).
(() => {
  "use strict";
  // the page's CSRF token (csrf.py): every state change sends it, with the page's Origin
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  document.querySelectorAll("form[data-case-form]").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const failed = form.querySelector("[data-failed]");
      const reply = await fetch(form.action, {
        method: "POST",
        headers: {"Content-Type": "application/json", "X-CSRF-Token": csrfToken},
        body: JSON.stringify(Object.fromEntries(new FormData(form))),
      });
      if (reply.ok || reply.status === 401) { location.reload(); return; }  // 401: log in
      failed.textContent = (await reply.json()).error || reply.statusText;
      failed.hidden = false;
    });
  });
})();
