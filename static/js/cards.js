// Phone layouts: each table cell carries its column's name (data-label) so a row can be drawn as a card
// below ~600 px (css/layouts.css). Cells that already name themselves are left alone; header cells without
// text (an action column) give no label.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("table.table").forEach((table) => {
    const headers = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    if (!headers.length) return;
    table.querySelectorAll("tbody tr").forEach((row) => {
      let column = 0;
      [...row.children].forEach((cell) => {
        const label = headers[column];
        column += Number(cell.getAttribute("colspan") || 1);
        if (cell.hasAttribute("colspan") || cell.dataset.label !== undefined) return;
        if (label) cell.dataset.label = label;
      });
    });
  });
});

// Grouped navigation: one group open at a time, and a click elsewhere closes it.
document.addEventListener("DOMContentLoaded", () => {
  const groups = [...document.querySelectorAll("[data-nav-group]")];
  groups.forEach((group) => group.addEventListener("toggle", () => {
    if (group.open) groups.forEach((other) => { if (other !== group) other.open = false; });
  }));
  document.addEventListener("click", (event) => {
    if (window.matchMedia("(max-width: 720px)").matches) return;
    groups.forEach((group) => { if (!group.contains(event.target)) group.open = false; });
  });
});
