// The pipeline board: drag a card onto another column and its stage menu posts the move
// (the same htmx form a phone uses); the server decides and answers the whole board.
(function () {
  "use strict";
  var dragged = null;

  function closest(event, selector) {
    return event.target && event.target.closest ? event.target.closest(selector) : null;
  }

  function clearTargets() {
    document.querySelectorAll(".drop-target").forEach(function (element) {
      element.classList.remove("drop-target");
    });
  }

  document.addEventListener("dragstart", function (event) {
    var card = closest(event, "[data-card]");
    if (!card) return;
    dragged = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.id);
    card.classList.add("dragging");
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    clearTargets();
  });

  document.addEventListener("dragover", function (event) {
    var column = closest(event, "[data-stage]");
    if (!column || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!column.classList.contains("drop-target")) {
      clearTargets();
      column.classList.add("drop-target");
    }
  });

  document.addEventListener("drop", function (event) {
    var column = closest(event, "[data-stage]");
    if (!column || !dragged) return;
    event.preventDefault();
    clearTargets();
    var select = dragged.querySelector("[data-stage-select]");
    if (!select || select.value === column.dataset.stage) return;
    select.value = column.dataset.stage;
    // shown where it was dropped until the board comes back from the server
    column.querySelector(".cards").appendChild(dragged);
    htmx.trigger(select, "change");
  });

  // a refused move (403, 404, 422) answers the board with the reason and the card back in
  // its column: show it (htmx leaves error answers out by default)
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var target = event.detail.target;
    if (target && target.id === "board" && [403, 404, 422].indexOf(status) !== -1) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
