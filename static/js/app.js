// 杭企服 — progressive enhancement only; every page works without it.
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector("[data-toggle-nav]");
  if (toggle) toggle.addEventListener("click", () => document.getElementById("main-nav").classList.toggle("open"));
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("click", (event) => { if (!window.confirm(el.dataset.confirm)) event.preventDefault(); });
  });
  document.querySelectorAll("[data-countdown]").forEach((el) => {
    const target = new Date(el.dataset.countdown).getTime();
    const offset = el.dataset.serverNow ? new Date(el.dataset.serverNow).getTime() - Date.now() : 0;
    const tick = () => {
      const left = Math.max(0, target - (Date.now() + offset));
      const s = Math.floor(left / 1000);
      el.textContent = left === 0 ? (el.dataset.countdownDone || "已开始") : `${Math.floor(s / 86400)}天${Math.floor((s % 86400) / 3600)}时${Math.floor((s % 3600) / 60)}分${s % 60}秒`;
    };
    tick(); setInterval(tick, 1000);
  });
  document.querySelectorAll("[data-poll]").forEach((el) => {
    // Live figures (remaining counts, job progress): re-fetch JSON and fill [data-field] children.
    const poll = async () => {
      try {
        const sent = Date.now();
        const response = await fetch(el.dataset.poll, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (!response.ok) return;
        const data = await response.json();
        el.dispatchEvent(new CustomEvent("hq:poll", { detail: { data, sent, received: Date.now() } }));
        el.querySelectorAll("[data-field]").forEach((f) => { const v = f.dataset.field.split(".").reduce((o, k) => (o == null ? o : o[k]), data); if (v !== undefined) f.textContent = v; });
        el.querySelectorAll("[data-width]").forEach((f) => { const v = f.dataset.width.split(".").reduce((o, k) => (o == null ? o : o[k]), data); if (v !== undefined) f.style.width = `${v}%`; });
      } catch (e) { /* keep the last figures */ }
    };
    setInterval(poll, Number(el.dataset.pollInterval || 3000));
  });
});
