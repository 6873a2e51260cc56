// The desk's softphone: Twilio's Voice JavaScript SDK (served by Vero from the npm install) as
// the agent's Twilio Client identity. It fetches an access token from Vero, registers a
// Twilio.Device, renews the token before it expires, and shows an incoming call (caller, answer,
// decline) and the call in progress (mute, hold, hang up). Answering is accepting the offer
// (the agent leg's TwiML joins the conference). Where the SDK cannot reach Twilio, or the server
// issues no tokens, one line says so and the rest of the desk works as before.
(() => {
  "use strict";
  const desk = document.getElementById("desk");
  const box = desk?.querySelector("[data-softphone]");
  if (!box || !window.veroDesk) return;
  const {api, labels, agentPath} = window.veroDesk;
  const status = box.querySelector("[data-softphone-status]");
  const incoming = box.querySelector("[data-incoming]");
  const inCall = box.querySelector("[data-in-call]");
  const REGISTER_MS = 8000;  // not registered by then: Twilio is out of reach (the SDK retries)
  let device = null;
  let call = null;

  function say(key, reason) {
    status.textContent = reason ? `${labels[key]}: ${reason}` : labels[key];
    box.dataset.softphone = key === "desk.softphone_ready" ? "ready" : "offline";
  }

  async function token() {
    return (await api("GET", `${agentPath}/voice-token`)).token;
  }

  function caller(which) {
    const text = call.customParameters?.get("caller") || call.parameters?.From || "";
    which.querySelector("[data-caller]").textContent = text.replace(/^client:/, "");
  }

  function show(state) {
    incoming.hidden = state !== "incoming";
    inCall.hidden = state !== "in-call";
    if (state === "incoming") caller(incoming);
    if (state === "in-call") {
      caller(inCall);
      inCall.querySelectorAll("[aria-pressed]").forEach((b) => b.setAttribute("aria-pressed",
        "false"));
      inCall.querySelector('[data-phone="mute"]').textContent = labels["desk.mute"];
      inCall.querySelector('[data-phone="hold"]').textContent = labels["desk.hold"];
    }
    if (state === "idle") call = null;
  }

  function follow(newCall) {
    call = newCall;
    call.on("accept", () => show("in-call"));
    ["disconnect", "cancel", "reject", "error"].forEach((name) => call.on(name, () => show("idle")));
    show("incoming");
  }

  async function start() {
    let first;
    try {
      first = await token();
    } catch (error) {
      say("desk.softphone_offline", error.message);
      return;
    }
    try {
      device = new window.Twilio.Device(first, {
        codecPreferences: ["opus", "pcmu"],
        closeProtection: true,
        tokenRefreshMs: 60000,  // tokenWillExpire a minute before the end
        logLevel: "error",
      });
    } catch (error) {
      say("desk.softphone_offline", error.message);
      return;
    }
    device.on("registered", () => say("desk.softphone_ready"));
    device.on("unregistered", () => say("desk.softphone_offline", ""));
    device.on("error", (error) => say("desk.softphone_offline", error.message || error.code));
    device.on("incoming", follow);
    device.on("tokenWillExpire", async () => {
      try { device.updateToken(await token()); } catch (error) {
        say("desk.softphone_offline", error.message);
      }
    });
    setTimeout(() => {
      if (device.state !== "registered" && box.dataset.softphone !== "offline") {
        say("desk.softphone_offline", labels["desk.softphone_unreachable"]);
      }
    }, REGISTER_MS);
    try {
      await device.register();
    } catch (error) {
      say("desk.softphone_offline", error.message || String(error));
    }
  }

  box.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-phone]");
    if (!button || !call) return;
    const action = button.dataset.phone;
    if (action === "answer") call.accept();
    else if (action === "decline") call.reject();
    else if (action === "hangup") call.disconnect();
    else if (action === "mute") {
      const on = !call.isMuted();
      call.mute(on);
      button.setAttribute("aria-pressed", String(on));
      button.textContent = labels[on ? "desk.unmute" : "desk.mute"];
    } else if (action === "hold") {
      const task = window.veroDesk.voiceTask(call.parameters?.CallSid);
      if (!task) return;
      const on = await window.veroDesk.control(task.id, "hold");
      if (on === null) return;
      button.setAttribute("aria-pressed", String(on));
      button.textContent = labels[on ? "desk.resume" : "desk.hold"];
    }
  });

  if (!window.Twilio?.Device) say("desk.softphone_offline", labels["desk.softphone_no_sdk"]);
  else start();
})();
