// The header's global search: "/" focuses the box (unless typing somewhere), the arrow keys
// move between result links, Escape goes back to the box and closes the list. No inline
// script (the Content-Security-Policy allows files from this site only).
(function () {
  "use strict";

  function box() { return document.getElementById("global-search-q"); }
  function popup() { return document.getElementById("global-search-popup"); }

  function typing(target) {
    if (!target) return false;
    var tag = (target.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function links(container) {
    return container ? Array.prototype.slice.call(container.querySelectorAll("a[data-result]")) : [];
  }

  function resultsAround(element) {
    if (!element || !element.closest) return null;
    var list = element.closest("[data-search-results]");
    if (list) return list;
    // from a search box: the results it controls, or those on the same page
    if (element.id === "global-search-q") return popup();
    if (element.closest("form[role=search]")) return document.querySelector("main [data-search-results]");
    return null;
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !typing(event.target)) {
      var input = box();
      if (input) {
        event.preventDefault();
        input.focus();
        input.select();
      }
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp" && event.key !== "Escape") return;
    var container = resultsAround(event.target);
    var found = links(container);
    if (event.key === "Escape") {
      var open = popup();
      if (open && open.contains(event.target)) {
        box().focus();
      }
      if (open && (event.target === box() || open.contains(event.target))) {
        open.innerHTML = "";
      }
      return;
    }
    if (!found.length) return;
    var at = found.indexOf(event.target);
    var next;
    if (event.key === "ArrowDown") {
      next = at < 0 ? 0 : Math.min(at + 1, found.length - 1);
    } else if (at <= 0) {
      // above the first result: back to the box that asked
      var form = container.closest("form[role=search]") || document.querySelector("main form[role=search]");
      var input2 = form ? form.querySelector("input[type=search]") : null;
      if (at === 0 && input2) { event.preventDefault(); input2.focus(); }
      return;
    } else {
      next = at - 1;
    }
    event.preventDefault();
    found[next].focus();
  });

  // a click elsewhere closes the header's list
  document.addEventListener("click", function (event) {
    var form = event.target.closest ? event.target.closest(".global-search") : null;
    var open = popup();
    if (!form && open) open.innerHTML = "";
  });
})();
