// The customer list's action bar: counts the ticked rows (checkboxes name="ids" tied to the
// form by form="bulk-form"), ticks a whole page, and shows only the chosen action's inputs.
(function () {
  function rows() {
    return document.querySelectorAll('input[name="ids"][form="bulk-form"]');
  }
  function refresh() {
    var form = document.getElementById("bulk-form");
    if (!form) { return; }
    var ticked = 0;
    rows().forEach(function (box) { if (box.checked) { ticked += 1; } });
    var all = form.querySelector("[data-bulk-all]");
    var count = form.querySelector("[data-bulk-count]");
    if (count) { count.textContent = all && all.checked ? count.dataset.allLabel : String(ticked); }
    // ticking a row unfolds the bar, so the actions are where the user looks next
    var fold = form.querySelector("details.bulk-details");
    if (fold && ticked > 0) { fold.open = true; }
    var action = form.querySelector("[data-bulk-action]");
    form.querySelectorAll("[data-bulk-for]").forEach(function (part) {
      var show = !!action && part.dataset.bulkFor.split(" ").indexOf(action.value) >= 0;
      part.hidden = !show;
      part.querySelectorAll("select, input").forEach(function (field) { field.disabled = !show; });
    });
  }
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-bulk-page]")) {
      rows().forEach(function (box) { box.checked = field.checked; });
    }
    refresh();
  });
  document.addEventListener("htmx:afterSwap", refresh);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", refresh);
  } else {
    refresh();
  }
})();
