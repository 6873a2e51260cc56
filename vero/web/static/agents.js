// Agents page: the group and skill filters, and each row's state drop-down kept on the agent's
// own state. live.js swaps the rows' text on every snapshot; this watches those swaps, so the
// filters hold across pushes, and lives in the address (?group=&skill=) across reloads.
(() => {
  "use strict";
  const root = document.querySelector("section.agents");
  if (!root) return;
  const filters = [...root.querySelectorAll("select[data-filter]")];
  const rows = [...root.querySelectorAll("tr[data-agent]")];
  const count = root.querySelector("[data-shown-count]");
  const noneMatch = root.querySelector("[data-none-match]");

  function matches(row) {
    return filters.every((select) => !select.value
      || row.dataset[select.dataset.filter].split(" ").includes(select.value));
  }

  function applyFilters() {
    let shown = 0;
    for (const row of rows) {
      row.hidden = !matches(row);
      if (!row.hidden) shown += 1;
    }
    count.textContent = count.dataset.template
      .replace("SHOWN", String(shown)).replace("TOTAL", String(rows.length));
    noneMatch.hidden = shown > 0 || rows.length === 0;
  }

  function remember() {
    const address = new URL(location.href);
    for (const select of filters) {
      if (select.value) address.searchParams.set(select.name, select.value);
      else address.searchParams.delete(select.name);
    }
    history.replaceState(null, "", address);
  }

  // The drop-down follows the agent's state as pushed, unless the supervisor has picked
  // another value and not applied it yet.
  function syncStates() {
    for (const row of rows) {
      const select = row.querySelector("select[name=state]");
      const chosen = row.querySelector("[data-chosen]").textContent;
      if (select.value === chosen) delete select.dataset.picked;
      else if (!select.dataset.picked && document.activeElement !== select) select.value = chosen;
    }
  }

  for (const select of filters) {
    select.addEventListener("change", () => { remember(); applyFilters(); });
  }
  for (const row of rows) {
    const select = row.querySelector("select[name=state]");
    select.addEventListener("change", () => { select.dataset.picked = "1"; });
  }
  const body = root.querySelector("tbody");
  new MutationObserver(() => { syncStates(); applyFilters(); })
    .observe(body, {subtree: true, childList: true, characterData: true});
  applyFilters();
})();
