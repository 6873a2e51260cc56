// Agents page: Monitor / Whisper / Barge on an agent's live call. The supervisor's own softphone
// (client:<name>) or phone number is dialled into the call; it is remembered in this browser
// (localStorage). The row's live call comes with each snapshot (live.js sets data-task).
(() => {
  "use strict";
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  const field = document.querySelector("[data-monitor-to]");
  if (!field) return;
  const KEY = "vero.monitor.to";
  field.value = localStorage.getItem(KEY) || "";
  field.addEventListener("change", () => { localStorage.setItem(KEY, field.value.trim()); });

  document.querySelectorAll("[data-monitor]").forEach((box) => {
    const queued = box.querySelector("[data-monitor-queued]");
    const failed = box.querySelector("[data-monitor-failed]");
    box.querySelectorAll("button[data-mode]").forEach((button) => {
      button.addEventListener("click", async () => {
        const url = box.dataset.url.replace("TASK", encodeURIComponent(box.dataset.task));
        const reply = await fetch(url, {
          method: "POST",
          headers: {"Content-Type": "application/json", "X-CSRF-Token": csrfToken},
          body: JSON.stringify({mode: button.dataset.mode, to: field.value.trim()}),
        });
        if (reply.status === 401) { location.reload(); return; }  // the login page says why
        queued.hidden = !reply.ok;
        failed.hidden = reply.ok;
        if (!reply.ok) failed.title = (await reply.json()).error || reply.statusText;
      });
    });
  });
})();
