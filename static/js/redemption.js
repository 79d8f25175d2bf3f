// Settlement batch page: start the progress bar at the server's figure (CSP forbids style= attributes) and
// reload once the running step has finished, so the new state and its buttons appear.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-initial-width]").forEach((el) => { el.style.width = `${el.dataset.initialWidth}%`; });
  document.querySelectorAll("[data-reload-when-done]").forEach((el) => {
    const check = async () => {
      try {
        const response = await fetch(el.dataset.poll, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (response.ok && !(await response.json()).running) window.location.reload();
      } catch (e) { /* try again */ }
    };
    setInterval(check, Number(el.dataset.pollInterval || 3000));
  });
});
