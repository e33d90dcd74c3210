// Pillars: small progressive enhancements. Pages work without this file.
"use strict";

// Search boxes over long tables (templates/_table_filter.html): a row stays when its
// data-filter-text (or its text) holds every word typed, in any order and case; the line under
// the box says how many rows are left. Tables that htmx refreshes are filtered again after each
// swap, so a typed search survives the live counts.
function tableFilter(input) {
  const table = document.getElementById(input.dataset.tableFilter);
  if (!table || !table.tBodies.length) return;
  const words = input.value.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  const rows = Array.from(table.tBodies[0].rows);
  let shown = 0;
  for (const row of rows) {
    const text = (row.dataset.filterText || row.textContent).toLocaleLowerCase();
    const match = words.every((word) => text.includes(word));
    row.hidden = !match;
    if (match) shown += 1;
  }
  const status = document.getElementById(input.getAttribute("aria-describedby"));
  if (!status) return;
  if (!words.length) status.textContent = "";
  else if (!shown) status.textContent = input.dataset.noneText;
  else status.textContent = input.dataset.countText.replace("{shown}", shown).replace("{total}", rows.length);
}

function tableFiltersApply() {
  document.querySelectorAll("[data-table-filter]").forEach(tableFilter);
}

document.querySelectorAll("[data-table-filter]").forEach((input) => {
  input.closest(".table-filter").hidden = false;
  input.addEventListener("input", () => tableFilter(input));
});
tableFiltersApply(); // a search the browser kept when coming back to the page
document.addEventListener("htmx:afterSwap", tableFiltersApply);
