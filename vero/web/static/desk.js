// The agent desk: poll the JSON API every second with the agent's bearer token (kept in this
// tab's sessionStorage by the login form), show offers and tasks, act on them.
// Everything from the API is placed with textContent, never as HTML: customers write messages.
(() => {
  "use strict";
  const TOKEN_KEY = "vero.agentToken";
  const MESSAGE_CHANNELS = new Set(["chat", "whatsapp", "sms"]);

  document.querySelectorAll("form[data-remember-token]").forEach((form) => {
    form.addEventListener("submit", () => {
      sessionStorage.setItem(TOKEN_KEY, form.elements.token.value);
    });
  });
  document.querySelectorAll("form[data-forget-token]").forEach((form) => {
    form.addEventListener("submit", () => sessionStorage.removeItem(TOKEN_KEY));
  });

  const desk = document.getElementById("desk");
  if (!desk) return;
  const labels = JSON.parse(document.getElementById("desk-labels").textContent);
  const agentPath = `/api/agents/${encodeURIComponent(desk.dataset.agent)}`;
  const withMessages = desk.dataset.messages === "1";
  const token = sessionStorage.getItem(TOKEN_KEY);
  const errorBox = desk.querySelector("[data-desk-error]");
  const views = new Map();  // task id → its customer view (a promise), fetched once per offer
  const when = new Intl.DateTimeFormat(document.documentElement.lang || "id", {
    dateStyle: "medium", timeStyle: "short", timeZone: desk.dataset.timezone});
  let stopped = false;
  let timer = null;
  let running = false;

  function expire() {
    stopped = true;
    desk.querySelector("[data-desk-expired]").hidden = false;
  }

  async function api(method, path, body) {
    const init = {method, headers: {Authorization: `Bearer ${token}`}};
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const reply = await fetch(path, init);
    if (reply.status === 401) { expire(); throw new Error(labels["desk.error"]); }
    const data = await reply.json();
    if (!reply.ok) throw new Error(data.error || reply.statusText);
    return data;
  }

  function fill(element, values) {
    element.querySelectorAll("[data-field]").forEach((cell) => {
      cell.textContent = values[cell.dataset.field] ?? "";
    });
  }

  // Keep one element per item (by key) so that a half-typed reply survives each refresh.
  function sync(name, template, items, keyOf, describe) {
    const list = desk.querySelector(`[data-list="${name}"]`);
    const present = new Map([...list.children].map((el) => [el.dataset.key, el]));
    for (const item of items) {
      const key = keyOf(item);
      let element = present.get(key);
      if (!element) {
        element = document.getElementById(template).content.firstElementChild.cloneNode(true);
        element.dataset.key = key;
        list.append(element);
      }
      present.delete(key);
      fill(element, describe(item, element));
    }
    present.forEach((element) => element.remove());
    desk.querySelector(`[data-empty="${name}"]`).hidden = items.length > 0;
  }

  function about(task) {
    return {
      channel: labels[`channel.${task.channel}`] || task.channel,
      queue: task.queue, language: task.language.toUpperCase(),
      customer: task.attributes.name || task.attributes.from || "",
    };
  }

  function describeOffer(offer) {
    const left = Math.max(0, Math.round(offer.expires - Date.now() / 1000));
    return {...about(offer.task), expires_in: left};
  }

  function describeTask(task, element) {
    element.dataset.state = task.state;
    element.querySelector(".conversation").hidden =
      !(withMessages && MESSAGE_CHANNELS.has(task.channel));
    return {
      ...about(task),
      state_label: labels[task.state === "wrapping" ? "desk.wrapping" : "desk.assigned"],
      complete_label: labels[task.state === "wrapping" ? "desk.end_wrap" : "desk.complete"],
    };
  }

  function lines(list, items, describe, empty) {
    const texts = items.map(describe);
    if (!texts.length && empty) texts.push(labels[empty]);
    list.replaceChildren(...texts.map((text) => {
      const line = document.createElement("li");
      line.textContent = text;
      return line;
    }));
  }

  // The screen pop: who the customer is, what happened lately, what is open, what to say.
  function renderCustomer(element, view) {
    const box = document.getElementById("customer-template").content.firstElementChild
      .cloneNode(true);
    const part = (name) => box.querySelector(`[data-cv="${name}"]`);
    const at = (epoch) => when.format(new Date(epoch * 1000));
    part("name").textContent = view.name || labels["desk.unknown_customer"];
    part("vip").hidden = !view.vip;
    part("about").textContent = [view.segment_label, labels[`lang.${view.language}`] ||
      view.language, view.phone].filter(Boolean).join(" · ");
    lines(part("recent"), view.recent_contacts, (c) => [
      labels[`channel.${c.channel}`] || c.channel, c.topic || c.queue,
      labels[`outcome.${c.outcome}`] || c.outcome, c.csat && `CSAT ${c.csat}`,
      c.complaint_ref, at(c.ended_at)].filter(Boolean).join(" · "), "desk.no_recent");
    lines(part("cases"), view.open_complaints, (c) => [
      c.ref, labels[`case.state.${c.state}`] || c.state,
      `${labels["desk.due"]} ${at(c.due_at)}`].join(" · "), "desk.no_cases");
    part("greeting").textContent = view.script.greeting;
    lines(part("questions"), view.script.questions, (q) => q);
    part("offer").textContent = view.script.offer;
    element.append(box);
  }

  // Fetched when the offer arrives, kept for the task once accepted (the offer is gone then).
  function showCustomer(element, taskId, offerId) {
    if (element.dataset.customer) return;
    if (!views.has(taskId) && offerId) {
      views.set(taskId, api("GET", `/api/offers/${encodeURIComponent(offerId)}/customer`)
        .catch(() => null));
    }
    if (!views.has(taskId)) return;
    element.dataset.customer = "pending";
    views.get(taskId).then((view) => {
      if (view && element.isConnected) renderCustomer(element, view);
    });
  }

  async function showMessages(task) {
    const data = await api("GET", `/api/tasks/${encodeURIComponent(task.id)}/messages`);
    const list = desk.querySelector(`[data-key="${CSS.escape(task.id)}"] [data-messages]`);
    if (!list || list.childElementCount === data.messages.length) return;
    list.replaceChildren(...data.messages.map((message) => {
      const line = document.createElement("li");
      const mine = message.from !== "customer";
      line.className = mine ? "mine" : "theirs";
      line.textContent = `${labels[mine ? "desk.you" : "desk.customer"]}: ${message.body}`;
      return line;
    }));
  }

  async function refresh() {
    if (running || stopped) return;
    running = true;
    try {
      const [agent, offers] = await Promise.all([api("GET", agentPath),
                                                 api("GET", `${agentPath}/offers`)]);
      const badge = desk.querySelector("[data-my-state]");
      badge.dataset.myState = agent.shown_state;
      badge.textContent = labels[`state.${agent.shown_state}`];
      desk.querySelectorAll("[data-set-state]").forEach((button) => {
        button.setAttribute("aria-pressed", String(button.dataset.setState === agent.state));
      });
      const offered = new Set(offers.offers.map((offer) => offer.task.id));
      const tasks = (await Promise.all(agent.tasks.filter((id) => !offered.has(id))
        .map((id) => api("GET", `/api/tasks/${encodeURIComponent(id)}`))))
        .filter((task) => task.state === "assigned" || task.state === "wrapping");
      sync("offers", "offer-template", offers.offers, (o) => o.offer_id, describeOffer);
      sync("tasks", "task-template", tasks, (task) => task.id, describeTask);
      const list = (name) => desk.querySelector(`[data-list="${name}"]`);
      offers.offers.forEach((offer) => showCustomer(
        list("offers").querySelector(`[data-key="${CSS.escape(offer.offer_id)}"]`),
        offer.task.id, offer.offer_id));
      tasks.forEach((task) => showCustomer(
        list("tasks").querySelector(`[data-key="${CSS.escape(task.id)}"]`), task.id));
      const current = new Set([...offered, ...tasks.map((task) => task.id)]);
      [...views.keys()].filter((id) => !current.has(id)).forEach((id) => views.delete(id));
      if (withMessages) {
        await Promise.all(tasks.filter((task) => MESSAGE_CHANNELS.has(task.channel))
          .map(showMessages));
      }
      errorBox.hidden = true;
    } catch (error) {
      if (!stopped) { errorBox.textContent = error.message; errorBox.hidden = false; }
    } finally {
      running = false;
      if (!stopped) { clearTimeout(timer); timer = setTimeout(refresh, 1000); }
    }
  }

  async function act(method, path, body) {
    let done = false;
    try {
      await api(method, path, body);
      errorBox.hidden = true;
      done = true;
    } catch (error) {
      errorBox.textContent = error.message;
      errorBox.hidden = false;
    }
    clearTimeout(timer);
    timer = setTimeout(refresh, 0);
    return done;
  }

  desk.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    const key = button.closest("[data-key]")?.dataset.key;
    const actions = {
      accept: () => act("POST", `/api/offers/${encodeURIComponent(key)}/accept`),
      reject: () => act("POST", `/api/offers/${encodeURIComponent(key)}/reject`),
      complete: () => act("POST", `/api/tasks/${encodeURIComponent(key)}/complete`),
    };
    if (button.dataset.setState) {
      act("POST", `${agentPath}/state`, {state: button.dataset.setState});
    } else if (actions[button.dataset.action]) {
      actions[button.dataset.action]();
    }
  });

  desk.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-reply]");
    if (!form) return;
    event.preventDefault();
    const key = form.closest("[data-key]").dataset.key;
    act("POST", `/api/tasks/${encodeURIComponent(key)}/messages`, {body: form.elements.body.value})
      .then((done) => { if (done) form.reset(); });
  });

  // The desk login (a cookie) is checked every few minutes, which also keeps it from idling out
  // while the desk is open: a logout elsewhere, a new token or the end of its lifetime stops the
  // desk here too.
  const SESSION_CHECK_MS = 5 * 60 * 1000;
  async function checkSession() {
    try {
      const reply = await fetch(desk.dataset.session, {headers: {Accept: "application/json"}});
      if (reply.status === 401) { expire(); return; }
    } catch (error) { /* the server is unreachable: the next check tries again */ }
    if (!stopped) setTimeout(checkSession, SESSION_CHECK_MS);
  }

  if (token) { refresh(); setTimeout(checkSession, SESSION_CHECK_MS); } else expire();
})();
