// 领券 page: the 领取 buttons follow the server's clock, not the browser's. The page carries the server's
// time at rendering and the batch's opening and closing instants; the offset between the server's clock and
// this device's is kept (and refreshed by every poll of the live figures), so a phone whose clock is a minute
// off still enables its buttons at the opening second. A button is disabled, with the reason beside it, when
// the window is not open, the type is sold out, the holder's headroom is below the face value, or the server
// gave a reason the page cannot lift (no active qualification, fund used up). The server decides every claim.
// At 9:00 the server may answer 429 (admission control, hangqifu/core/admission.py): the claim was not taken up
// and nothing changed. The page then says 排队中 under the button and sends the same claim again after the
// server's Retry-After (plus a little random spread, so the queue does not return in one wave), until the server
// answers; the answer (the voucher list, or the batch page with the reason) is then shown as a normal submit.
document.addEventListener("DOMContentLoaded", () => {
  const root = document.querySelector("[data-claim-page]");
  if (!root) return;
  const cents = (text) => {
    const [whole, fraction = ""] = String(text).split(".");
    return Number(whole) * 100 + Number((fraction + "00").slice(0, 2));
  };
  const yuan = (c) => `¥${Math.floor(c / 100).toLocaleString("en-US")}.${String(c % 100).padStart(2, "0")}`;
  const opensAt = Date.parse(root.dataset.opensAt);
  const closesAt = Date.parse(root.dataset.closesAt);
  let offset = Date.parse(root.dataset.serverNow) - Date.now();
  let headroom = root.dataset.headroom === "" ? null : cents(root.dataset.headroom);
  const countdown = root.querySelector("[data-claim-countdown]");
  const countdownLabel = root.querySelector("[data-countdown-label]");
  const windowLabel = root.querySelector("[data-window]");
  const options = [...root.querySelectorAll("[data-claim-option]")];
  const queued = new Set();  // buttons whose claim is waiting in the server's queue (429 → retry)

  const span = (ms) => {
    const s = Math.floor(ms / 1000);
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    return `${d ? `${d}天` : ""}${d || h ? `${h}时` : ""}${m}分${s % 60}秒`;
  };
  const phase = (now) => (now < opensAt ? "before" : now < closesAt ? "open" : "after");

  const render = () => {
    const now = Date.now() + offset;
    const current = root.dataset.state === "open" ? phase(now) : "after";
    if (countdown && root.dataset.state === "open") {
      if (current === "before") { countdownLabel.textContent = "距开始领取"; countdown.textContent = span(opensAt - now); }
      else if (current === "open") { countdownLabel.textContent = "距领取截止"; countdown.textContent = span(closesAt - now); }
      else { countdownLabel.textContent = "领取"; countdown.textContent = "已截止"; }
    }
    if (windowLabel && root.dataset.state === "open") {
      windowLabel.textContent = { before: "即将开始", open: "领取中", after: "已结束" }[current];
    }
    options.forEach((option) => {
      const button = option.querySelector("[data-claim-button]");
      const reasonBox = option.querySelector("[data-claim-reason]");
      if (!button || queued.has(button)) return;
      const face = cents(option.dataset.face);
      let reason = "";
      if (root.dataset.state !== "open") reason = reasonBox.textContent || "该批次当前不在领取时间内";
      else if (current === "before") reason = `该批次将于 ${root.dataset.opensLabel} 开始领取，届时按钮自动可用`;
      else if (current === "after") reason = `该批次已于 ${root.dataset.closesLabel} 截止领取`;
      else if (option.dataset.blocked) reason = option.dataset.blocked;
      else if (Number(option.dataset.remaining) <= 0) reason = "该券种已被领完";
      else if (headroom !== null && headroom < face) reason = `您还可领取 ${yuan(headroom)}，不足面额 ${option.dataset.faceLabel}`;
      button.disabled = reason !== "";
      if (reasonBox.textContent !== reason) reasonBox.textContent = reason;
    });
  };

  root.addEventListener("hq:poll", (event) => {
    const { data, sent, received } = event.detail;
    if (data.now) offset = Date.parse(data.now) - (sent + received) / 2;
    if (data.headroom !== undefined && data.headroom !== null) headroom = cents(data.headroom);
    if (data.state) root.dataset.state = data.state;
    const types = data.types || {};
    options.forEach((option) => {
      const figures = types[option.dataset.typeId];
      if (figures) option.dataset.remaining = figures.remaining;
    });
    const headroomText = root.querySelector("[data-headroom-text]");
    if (headroomText && headroom !== null) headroomText.textContent = yuan(headroom);
    render();
  });
  const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const submitQueued = async (form, button, reasonBox) => {
    queued.add(button);
    button.disabled = true;
    for (let attempt = 1; ; attempt += 1) {
      let response;
      try {
        response = await fetch(form.action, {
          method: "POST", body: new FormData(form), credentials: "same-origin",
          headers: { "X-Claim-Queue": "1" },
        });
      } catch (error) {
        response = null;  // the network dropped: wait and retry like a queue answer
      }
      if (response && response.status !== 429) {
        // the server's answer: where to go (my vouchers, or the batch page with the reason); anything else
        // (a login page, an error page) is shown as it came
        const answer = response.ok && (response.headers.get("Content-Type") || "").includes("json")
          ? await response.json() : null;
        window.location.assign(answer && answer.location ? answer.location : response.url);
        return;
      }
      const seconds = Number(response && response.headers.get("Retry-After")) || 1;
      const ahead = response && response.headers.get("X-Queue-Position");
      const line = ahead === null || ahead === undefined ? "" : `，前面还有 ${ahead} 家企业`;
      reasonBox.textContent = `排队中${line}，约 ${seconds} 秒后自动重试（第 ${attempt} 次），请勿关闭页面`;
      await wait(seconds * 1000 + Math.random() * 1000);
    }
  };
  options.forEach((option) => {
    const form = option.querySelector("form");
    const button = option.querySelector("[data-claim-button]");
    const reasonBox = option.querySelector("[data-claim-reason]");
    if (!form || !button || !window.fetch) return;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!queued.has(button)) submitQueued(form, button, reasonBox);
    });
  });

  render();
  setInterval(render, 250);
});
