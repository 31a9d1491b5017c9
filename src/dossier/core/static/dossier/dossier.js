// Dossier's few behaviours, wired by data attributes so pages need no inline script
// (the Content-Security-Policy allows scripts from this site only).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
}, true);

document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.dataset && field.dataset.autosubmit !== undefined && field.form) {
    field.form.submit();
  }
});

document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("[data-copy]") : null;
  if (!button) return;
  var source = document.getElementById(button.dataset.copy);
  if (!source) return;
  source.select();
  if (navigator.clipboard) {
    navigator.clipboard.writeText(source.value);
  } else {
    document.execCommand("copy");
  }
  if (button.dataset.copied) button.textContent = button.dataset.copied;
});

// a read-only box whose whole text is meant to be copied selects itself when focused
document.addEventListener("focusin", function (event) {
  var field = event.target;
  if (field.dataset && field.dataset.selectOnFocus !== undefined && field.select) {
    field.select();
  }
});

// a removable block (a segment's condition): gone, and its form told it changed (recount)
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("[data-remove-row]") : null;
  if (!button) return;
  var block = button.closest("fieldset");
  var form = button.form;
  if (block) block.remove();
  if (form) form.dispatchEvent(new Event("change", { bubbles: true }));
});

// the template editor redraws itself (a type changed, a field moved): the fields the user had
// opened stay open, found again by their key
(function () {
  var opened = null;
  function keyOf(row) {
    var input = row.querySelector("input[name$='-key']");
    return input ? input.value : "";
  }
  document.addEventListener("htmx:beforeSwap", function (event) {
    var editor = event.detail.target;
    if (!editor || editor.id !== "editor") return;
    opened = {};
    editor.querySelectorAll("details.field-row[open]").forEach(function (row) {
      if (keyOf(row)) opened[keyOf(row)] = true;
    });
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (!opened) return;
    var editor = document.getElementById("editor");
    if (editor) {
      editor.querySelectorAll("details.field-row").forEach(function (row) {
        if (opened[keyOf(row)]) row.open = true;
      });
    }
    opened = null;
  });
})();
