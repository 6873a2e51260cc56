// The agent desk. What it shows is pushed by the server (server-sent events from /desk/stream:
// the agent, its offers, its tasks, their conversations); while the stream is down it asks
// /desk/snapshot every few seconds and EventSource reconnects by itself. Actions go to the JSON
// API with the agent's bearer token (kept in this tab's sessionStorage by the login form). A new
// offer beeps (WebAudio, no sound file) and is highlighted. Everything from the API is placed
// with textContent, never as HTML: customers write messages. A voicemail shows its player (the
// recording through Vero, never Twilio's URL) and transcription, a callback the number to call
// and its earlier tries; the agent calls a number (the customer on screen, or one typed) through
// the click-to-call API. softphone.js adds the Twilio softphone through window.veroDesk.
(() => {
  "use strict";
  const TOKEN_KEY = "vero.agentToken";
  const POLL_MS = 5000;  // the slow fallback while the stream is down
  const LOST_AFTER_MS = 3000;  // a reconnect within this (the stream's planned end) is not shown
  const FRESH_MS = 8000;  // how long a new offer stays highlighted

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
  const queueNames = JSON.parse(document.getElementById("desk-queues").textContent);
  const agentPath = `/api/agents/${encodeURIComponent(desk.dataset.agent)}`;
  const recordQueues = new Set((desk.dataset.recordQueues || "").split(" ").filter(Boolean));
  const token = sessionStorage.getItem(TOKEN_KEY);
  const errorBox = desk.querySelector("[data-desk-error]");
  const views = new Map();  // task id → its customer view (a promise), fetched once per offer
  const seenOffers = new Set();  // offers already announced (a beep each, once)
  const when = new Intl.DateTimeFormat(document.documentElement.lang || "id", {
    dateStyle: "medium", timeStyle: "short", timeZone: desk.dataset.timezone});
  let stopped = false;
  let latest = null;  // the newest snapshot shown

  function expire() {
    stopped = true;
    desk.querySelector("[data-desk-expired]").hidden = false;
  }

  function showError(error) {
    if (stopped) return;
    errorBox.textContent = error ? error.message : "";
    errorBox.hidden = !error;
  }

  async function api(method, path, body) {
    const init = {method, headers: {Authorization: `Bearer ${token}`}};
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const reply = await fetch(path, init);
    if (reply.status === 401) { expire(); throw new Error(labels["desk.error"]); }
    const data = await reply.json().catch(() => ({}));
    if (!reply.ok) {
      throw Object.assign(new Error(data.error || reply.statusText), {status: reply.status});
    }
    return data;
  }

  const taskPath = (key, action) => `/api/tasks/${encodeURIComponent(key)}/${action}`;

  // --- the new-offer alert: two short tones, and the card highlighted for a while ------------

  const soundButton = desk.querySelector("[data-sound]");
  let audio = null;
  function unlockSound() {
    try {
      audio = audio || new AudioContext();
      if (audio.state === "suspended") audio.resume();
      soundButton.hidden = audio.state === "running";
      audio.onstatechange = () => { soundButton.hidden = audio.state === "running"; };
    } catch (error) { soundButton.hidden = true; /* no audio output */ }
  }
  function beep() {
    try {
      unlockSound();
      [0, 0.22].forEach((offset, i) => {
        const tone = audio.createOscillator();
        const level = audio.createGain();
        tone.frequency.value = i ? 660 : 880;
        level.gain.value = 0.15;
        tone.connect(level).connect(audio.destination);
        tone.start(audio.currentTime + offset);
        tone.stop(audio.currentTime + offset + 0.16);
      });
    } catch (error) { /* no audio output: the highlight still shows */ }
  }
  // browsers start sound only after a gesture: until one, the desk offers to turn it on, and
  // any click on the desk does
  unlockSound();
  desk.addEventListener("click", unlockSound);

  function announce(element) {
    element.classList.add("fresh");
    setTimeout(() => element.classList.remove("fresh"), FRESH_MS);
    beep();
  }

  // --- rendering a snapshot --------------------------------------------------------------------

  function fill(element, values) {
    element.querySelectorAll("[data-field]").forEach((cell) => {
      cell.textContent = values[cell.dataset.field] ?? "";
    });
  }

  // Keep one element per item (by key) so that a half-typed reply survives each refresh;
  // `gone` sees each element before it leaves.
  function sync(name, template, items, keyOf, describe, gone = () => {}) {
    const list = desk.querySelector(`[data-list="${name}"]`);
    const present = new Map([...list.children].map((el) => [el.dataset.key, el]));
    const added = [];
    for (const item of items) {
      const key = keyOf(item);
      let element = present.get(key);
      if (!element) {
        element = document.getElementById(template).content.firstElementChild.cloneNode(true);
        element.dataset.key = key;
        list.append(element);
        added.push(element);
      }
      present.delete(key);
      fill(element, describe(item, element));
    }
    present.forEach((element) => { gone(element); element.remove(); });
    desk.querySelector(`[data-empty="${name}"]`).hidden = items.length > 0;
    return added;
  }

  function about(task) {
    const kind = labels[`desk.kind.${task.attributes.kind}`];
    return {
      channel: kind || labels[`channel.${task.channel}`] || task.channel,
      queue: queueNames[task.queue] || task.queue, language: task.language.toUpperCase(),
      customer: task.attributes.name || task.attributes.customer || task.attributes.from ||
        task.attributes.callback_to || "",
    };
  }

  // a voice task with somebody on the line (a voicemail is a recording: nothing to control)
  function isCall(task) {
    return task.channel === "voice" && task.attributes.kind !== "voicemail";
  }

  function secondsLeft(expires) {
    return Math.max(0, Math.round(expires - Date.now() / 1000));
  }

  // --- what a voicemail or a callback carries: the message, the number and its tries ----------

  function minutes(seconds) {
    const whole = Math.round(Number(seconds));
    return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
  }

  function fromTemplate(id) {
    return document.getElementById(id).content.firstElementChild.cloneNode(true);
  }

  // `player`: the task whose recording can be played (the agent has it, not just its offer);
  // Vero fetches the recording from Twilio (the <audio> element sends the desk's cookie)
  function voicemailDetail(attrs, player) {
    const box = fromTemplate("voicemail-template");
    const part = (name) => box.querySelector(`[data-vm="${name}"]`);
    part("from").textContent = attrs.from || labels["desk.unknown_customer"];
    const seconds = attrs.recording_duration;
    part("duration").textContent = /^\d+$/.test(seconds || "") ? minutes(seconds) : "–";
    if (player && attrs.recording_url) {
      part("player").src = `/desk/tasks/${encodeURIComponent(player)}/recording`;
    } else part("player").remove();
    if (attrs.transcription) {
      part("transcript").textContent = attrs.transcription;
      part("transcript").hidden = false;
    }
    part("failed").hidden = attrs.transcription_status !== "failed";
    return box;
  }

  // "no-answer@2026-12-01T09:50:00+00:00" → "Try 1: no answer · 1 Dec 2026, 16:50"
  function tryLine(number, value) {
    const at = value.indexOf("@");
    const status = at < 0 ? value : value.slice(0, at);
    const time = new Date(value.slice(at + 1));
    return [`${labels["desk.try"]} ${number}: ${labels[`desk.try.${status}`] || status}`,
      at < 0 || Number.isNaN(time.getTime()) ? "" : when.format(time)]
      .filter(Boolean).join(" · ");
  }

  function callbackDetail(attrs) {
    const box = fromTemplate("callback-template");
    const part = (name) => box.querySelector(`[data-cb="${name}"]`);
    part("to").textContent = attrs.callback_to || "–";
    const tries = Object.keys(attrs).map((name) => /^attempt_(\d+)$/.exec(name))
      .filter(Boolean).map((match) => Number(match[1])).sort((a, b) => a - b);
    lines(part("tries"), tries, (n) => tryLine(n, attrs[`attempt_${n}`]));
    part("earlier").hidden = !tries.length;
    part("first").hidden = tries.length > 0;
    return box;
  }

  const DETAILS = {voicemail: voicemailDetail, callback: callbackDetail};
  const SHOWN = /^(from|callback_to|recording_url|recording_duration|transcription(_status)?|attempt_\d+)$/;

  // Built again only when what it shows changed: a refresh must not stop a playing message.
  function showDetail(element, task, taken) {
    const box = element.querySelector("[data-detail]");
    const build = DETAILS[task.attributes.kind];
    const shown = Object.entries(task.attributes).filter(([name]) => SHOWN.test(name));
    const key = build ? JSON.stringify([taken, shown]) : "";
    if (box.dataset.shown === key) return;
    const kept = box.querySelector("audio");
    if (kept && !kept.paused) return;  // the agent is listening: the new detail waits
    box.dataset.shown = key;
    box.replaceChildren(...(build ? [build(task.attributes, taken && task.id)] : []));
    box.hidden = !build;
  }

  function describeOffer(offer, element) {
    element.dataset.expires = offer.expires;
    showDetail(element, offer.task, false);
    return {...about(offer.task), expires_in: secondsLeft(offer.expires)};
  }

  function describeTask(task, element) {
    element.dataset.state = task.state;
    element.dataset.channel = task.channel;
    element.dataset.kind = task.attributes.kind || "";
    element.querySelector(".conversation").hidden = !(task.id in (latest.messages || {}));
    showDetail(element, task, true);
    const live = isCall(task) && task.state === "assigned";
    element.querySelector(".call-control").hidden = !live;
    // a warm transfer in progress (the server's state): its buttons, and the customer is held
    // by it (resuming would let them hear the agents consult)
    const consulting = task.attributes.transfer_mode === "warm" &&
      ["ringing", "talking"].includes(task.attributes.transfer_state);
    warm(element, consulting);
    element.querySelector('[data-call="hold"]').disabled = consulting;
    const recording = recordQueues.has(task.queue);
    element.querySelector('[data-call="record"]').hidden = !recording;
    element.querySelector('[data-call="record-pause"]').hidden =
      !(recording && element.dataset.recording);
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
    part("about").textContent = [view.segment_label, labels[`desk.lang.${view.language}`] ||
      view.language, view.phone].filter(Boolean).join(" · ");
    // a taken task whose customer is not on the line already (a message, a voicemail)
    const onLine = element.dataset.channel === "voice" && element.dataset.kind !== "voicemail";
    if (view.phone) part("dial").dataset.dial = view.phone;
    part("dial").hidden = !(view.phone && element.matches(".task") && !onLine);
    lines(part("recent"), view.recent_contacts, (c) => [
      labels[`channel.${c.channel}`] || c.channel, queueNames[c.queue] || c.topic || c.queue,
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

  // The customer of the task that just ended stays on the desk, to be called (a voice call
  // needs a desk with no other contact in hand) until the next one replaces it or it is closed.
  const lastCustomer = desk.querySelector("[data-last-customer]");
  function keepCustomer(element) {
    const view = element.querySelector(".customer-view");
    if (!view) return;
    const dial = view.querySelector('[data-cv="dial"]');
    dial.hidden = !dial.dataset.dial;
    lastCustomer.querySelector("[data-last-view]").replaceChildren(view);
    lastCustomer.hidden = false;
  }
  lastCustomer.querySelector("[data-forget-customer]").addEventListener("click", () => {
    lastCustomer.hidden = true;
    lastCustomer.querySelector("[data-last-view]").replaceChildren();
  });

  // Fetched when the offer arrives, kept for the task once accepted (the offer is gone then);
  // a task the desk saw no offer of (a reload, a click-to-call) asks for the task's own.
  function showCustomer(element, taskId, offerId) {
    if (!element || element.dataset.customer) return;
    if (!views.has(taskId)) {
      const path = offerId ? `/api/offers/${encodeURIComponent(offerId)}/customer`
        : taskPath(taskId, "customer");
      views.set(taskId, api("GET", path).catch(() => null));
    }
    element.dataset.customer = "pending";
    views.get(taskId).then((view) => {
      if (view && element.isConnected) renderCustomer(element, view);
    });
  }

  function showMessages(taskId, messages) {
    const list = desk.querySelector(`[data-list="tasks"] [data-key="${CSS.escape(taskId)}"] ` +
      "[data-messages]");
    if (!list || list.childElementCount === messages.length) return;
    list.replaceChildren(...messages.map((message) => {
      const line = document.createElement("li");
      const mine = message.from !== "customer";
      line.className = mine ? "mine" : "theirs";
      line.textContent = `${labels[mine ? "desk.you" : "desk.customer"]}: ${message.body}`;
      return line;
    }));
    list.scrollTop = list.scrollHeight;
  }

  function render(snapshot) {
    if (stopped) return;
    if (snapshot.gone) { expire(); return; }
    latest = snapshot;
    const {agent, offers, tasks} = snapshot;
    const badge = desk.querySelector("[data-my-state]");
    badge.dataset.myState = agent.shown_state;
    badge.textContent = labels[`state.${agent.shown_state}`];
    desk.querySelectorAll("[data-set-state]").forEach((button) => {
      button.setAttribute("aria-pressed", String(button.dataset.setState === agent.state));
    });
    const added = sync("offers", "offer-template", offers, (o) => o.offer_id, describeOffer);
    sync("tasks", "task-template", tasks, (task) => task.id, describeTask, keepCustomer);
    const list = (name) => desk.querySelector(`[data-list="${name}"]`);
    offers.forEach((offer) => showCustomer(
      list("offers").querySelector(`[data-key="${CSS.escape(offer.offer_id)}"]`),
      offer.task.id, offer.offer_id));
    tasks.forEach((task) => showCustomer(
      list("tasks").querySelector(`[data-key="${CSS.escape(task.id)}"]`), task.id));
    const current = new Set([...offers.map((o) => o.task.id), ...tasks.map((task) => task.id)]);
    [...views.keys()].filter((id) => !current.has(id)).forEach((id) => views.delete(id));
    Object.entries(snapshot.messages || {}).forEach(([id, messages]) => showMessages(id, messages));
    added.filter((el) => !seenOffers.has(el.dataset.key)).forEach((element) => {
      seenOffers.add(element.dataset.key);
      announce(element);
    });
    document.title = `${offers.length ? `(${offers.length}) ` : ""}${desk.dataset.title}`;
    desk.dispatchEvent(new CustomEvent("vero:snapshot", {detail: snapshot}));
  }

  // the offers' countdown runs here, between pushes
  setInterval(() => {
    desk.querySelectorAll('[data-list="offers"] [data-expires]').forEach((element) => {
      element.querySelector('[data-field="expires_in"]').textContent =
        secondsLeft(Number(element.dataset.expires));
    });
  }, 1000);

  // --- the push connection, and the slow fallback while it is down -----------------------------

  const feed = desk.querySelector("[data-feed]");
  let pollTimer = null;
  let lostTimer = null;
  let source = null;

  async function poll() {
    try {
      const reply = await fetch(desk.dataset.snapshot, {headers: {Accept: "application/json"}});
      if (reply.status === 401) { expire(); return; }
      if (reply.ok) { render(await reply.json()); showError(null); }
    } catch (error) { /* the server is unreachable: the next poll tries again */ }
  }

  function showFeed(live) {
    feed.dataset.feed = live ? "live" : "lost";
    feed.querySelector("[data-connection]").dataset.connection = live ? "live" : "lost";
    feed.querySelector("[data-feed-text]").textContent =
      labels[live ? "desk.live" : "desk.reconnecting"];
  }

  function lost() {
    if (lostTimer || stopped) return;
    lostTimer = setTimeout(() => {
      showFeed(false);
      poll();
      pollTimer = setInterval(poll, POLL_MS);
    }, LOST_AFTER_MS);
  }

  function connect() {
    if (stopped) return;
    source = new EventSource(desk.dataset.stream);
    source.onopen = () => {
      clearTimeout(lostTimer); lostTimer = null;
      clearInterval(pollTimer); pollTimer = null;
      showFeed(true);
    };
    source.onmessage = (event) => render(JSON.parse(event.data));
    source.onerror = () => {
      lost();
      // a refusal (401: the login ended; 503: the server is full) closes it for good: start anew
      if (source.readyState === EventSource.CLOSED) {
        checkSession(false);
        setTimeout(connect, POLL_MS);
      }
    };
  }

  async function act(method, path, body) {
    try {
      const data = await api(method, path, body);
      showError(null);
      poll();  // at once, not at the next push
      return data;
    } catch (error) {
      showError(error);
      return null;
    }
  }

  // --- actions on offers, tasks and calls --------------------------------------------------------

  // Click-to-call: the agent's leg rings first, then the customer (the API's 409 and 400, e.g.
  // "not available" or a bad number, go to the error line).
  const dialStatus = desk.querySelector("[data-dial-status]");
  let dialTimer = null;
  async function dial(to) {
    dialStatus.hidden = true;
    try {
      await api("POST", `${agentPath}/calls`, {to});
    } catch (error) {
      // the desk's own words for a refusal it knows (the API's are for developers, in English)
      const why = labels[`desk.dial_${error.status}`] || error.message;
      showError(new Error(`${labels["desk.dial_failed"]}: ${why}`));
      return false;
    }
    showError(null);
    dialStatus.hidden = false;
    clearTimeout(dialTimer);
    dialTimer = setTimeout(() => { dialStatus.hidden = true; }, FRESH_MS);
    poll();
    return true;
  }

  function toggle(button, labelOn, labelOff) {
    const on = button.getAttribute("aria-pressed") !== "true";
    return {on, apply: () => {
      button.setAttribute("aria-pressed", String(on));
      button.textContent = labels[on ? labelOn : labelOff];
    }};
  }

  // Call control (the server's conference operations): a toggle shows its new state only once
  // the request was taken.
  async function callControl(button, card) {
    const key = card.dataset.key;
    const kind = button.dataset.call;
    if (kind === "hold" || kind === "mute") {
      const change = kind === "hold" ? toggle(button, "desk.resume", "desk.hold")
        : toggle(button, "desk.unmute", "desk.mute");
      if (await act("POST", taskPath(key, kind), {on: change.on})) change.apply();
    } else if (kind === "hangup") {
      await act("POST", taskPath(key, "hangup"));
    } else if (kind === "record") {
      const change = toggle(button, "desk.record_stop", "desk.record");
      if (await act("POST", taskPath(key, "recording"), {action: change.on ? "start" : "stop"})) {
        change.apply();
        card.dataset.recording = change.on ? "1" : "";
        const pause = card.querySelector('[data-call="record-pause"]');
        pause.hidden = !change.on;
        pause.setAttribute("aria-pressed", "false");
        pause.textContent = labels["desk.record_pause"];
      }
    } else if (kind === "record-pause") {
      const change = toggle(button, "desk.record_resume", "desk.record_pause");
      if (await act("POST", taskPath(key, "recording"),
                    {action: change.on ? "pause" : "resume"})) change.apply();
    } else if (kind === "transfer-complete" || kind === "transfer-cancel") {
      if (await act("POST", taskPath(key, `transfer/${kind.split("-")[1]}`))) warm(card, false);
    }
  }

  function warm(card, on) {
    card.querySelector('[data-call="transfer-complete"]').hidden = !on;
    card.querySelector('[data-call="transfer-cancel"]').hidden = !on;
  }

  desk.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button || button.type === "submit") return;
    const card = button.closest("[data-key]");
    const key = card?.dataset.key;
    const actions = {
      accept: () => act("POST", `/api/offers/${encodeURIComponent(key)}/accept`),
      reject: () => act("POST", `/api/offers/${encodeURIComponent(key)}/reject`),
      complete: () => act("POST", taskPath(key, "complete")),
    };
    if (button.dataset.setState) {
      act("POST", `${agentPath}/state`, {state: button.dataset.setState});
    } else if (actions[button.dataset.action]) {
      actions[button.dataset.action]();
    } else if (button.dataset.call && card) {
      callControl(button, card);
    } else if (button.dataset.dial) {
      dial(button.dataset.dial);
    }
  });

  desk.addEventListener("submit", async (event) => {
    const form = event.target.closest("form");
    if (form?.matches("[data-dial-form]")) {
      event.preventDefault();
      if (await dial(form.elements.to.value.trim())) form.reset();
      return;
    }
    const card = form?.closest("[data-key]");
    if (!card) return;
    event.preventDefault();
    const key = card.dataset.key;
    if (form.matches("[data-reply]")) {
      if (await act("POST", taskPath(key, "messages"), {body: form.elements.body.value})) {
        form.reset();
      }
    } else if (form.matches("[data-transfer]")) {
      const agent = form.elements.agent.value.trim();
      const mode = form.elements.mode.value;
      const body = agent ? {agent, mode} : {queue: form.elements.queue.value};
      if (await act("POST", taskPath(key, "transfer"), body)) {
        warm(card, Boolean(agent) && mode === "warm");
        form.reset();  // a later transfer is chosen anew, not sent to this target again
      }
    } else if (form.matches("[data-add-party]")) {
      if (await act("POST", taskPath(key, "participants"),
                    {number: form.elements.number.value.trim()})) form.reset();
    }
  });

  // The desk login (a cookie) is checked every few minutes, which also keeps it from idling out
  // while the desk is open: a logout elsewhere, a new token or the end of its lifetime stops the
  // desk here too.
  const SESSION_CHECK_MS = 5 * 60 * 1000;
  async function checkSession(again = true) {
    try {
      const reply = await fetch(desk.dataset.session, {headers: {Accept: "application/json"}});
      if (reply.status === 401) { expire(); source?.close(); return; }
    } catch (error) { /* the server is unreachable: the next check tries again */ }
    if (again && !stopped) setTimeout(checkSession, SESSION_CHECK_MS);
  }

  // for softphone.js: the API, the labels, and the voice task a call leg belongs to
  window.veroDesk = {
    api, labels, agentPath, showError,
    voiceTask(callSid) {
      const voice = (latest?.tasks || []).filter((task) => isCall(task) &&
        task.state === "assigned");
      return voice.find((task) => task.attributes.agent_leg === callSid) ||
        (voice.length === 1 ? voice[0] : null);
    },
    // the softphone's own buttons act through the task card's, which keep the call's state
    async control(taskId, kind) {
      const card = desk.querySelector(`[data-list="tasks"] [data-key="${CSS.escape(taskId)}"]`);
      const button = card?.querySelector(`[data-call="${kind}"]`);
      if (!button) return null;
      await callControl(button, card);
      return button.getAttribute("aria-pressed") === "true";
    },
  };

  desk.dataset.title = document.title;
  if (token) { poll(); connect(); setTimeout(checkSession, SESSION_CHECK_MS); } else expire();
})();
