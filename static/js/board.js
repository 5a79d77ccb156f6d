// The pipeline board (/projects/board/): drag a card to another column, or pick the column from the
// card's "移动到…" menu, and the project page's own form for that move opens in a dialog (fetched
// from projects:move, which hands a forward move to 签约 to the signing form). The forms post to
// their own views through htmx: 204 + a `projectMoved` event on success (the columns are reloaded
// with their counts and sums), the form again with the refusal beside its field otherwise. A move that is not
// saved (refused, cancelled) snaps the card back to where it was.
(function () {
  "use strict";
  var dialog = document.getElementById("move-dialog");
  var body = document.getElementById("move-dialog-body");
  var status = document.getElementById("board-status");
  var pending = null; // {card, parent, next, done, error}
  var dragged = null;
  var shown = null; // the column a phone shows

  function say(text, kind) {
    status.textContent = text || "";
    status.className = "alert board-status alert-" + (kind === "danger" ? "danger" : "success");
    status.hidden = !text;
  }

  function cardsOf(stage) {
    return document.querySelector('.board-col[data-stage="' + stage + '"] .board-cards');
  }

  function refusal() {
    var alert = body.querySelector(".alert, .invalid-feedback");
    return alert ? alert.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function moveUrl(card) {
    var board = document.getElementById("board");
    return board.dataset.moveUrl.replace(board.dataset.movePlaceholder, card.dataset.pk);
  }

  function openMove(card, to, dropped) {
    if (!card || card.getAttribute("draggable") !== "true" || card.dataset.stage === to) return;
    say("");
    pending = { card: card, parent: card.parentNode, next: card.nextSibling, done: false, error: "" };
    if (dropped) {
      var target = cardsOf(to);
      if (target) target.insertBefore(card, target.firstChild);
      card.classList.add("is-pending");
    }
    var url = new URL(moveUrl(card), window.location.href);
    url.searchParams.set("to", to);
    htmx.ajax("GET", url.pathname + url.search, { target: body, swap: "innerHTML" });
  }

  function snapBack() {
    if (!pending) return;
    var p = pending;
    pending = null;
    if (p.done) return;
    p.card.classList.remove("is-pending");
    if (p.card.parentNode !== p.parent || p.card.nextSibling !== p.next) {
      p.parent.insertBefore(p.card, p.next && p.next.parentNode === p.parent ? p.next : null);
    }
    if (p.error) say(p.error, "danger");
    var toggle = p.card.querySelector(".board-move-toggle");
    if (toggle) toggle.focus();
  }

  function reloadBoard() {
    htmx.ajax("GET", window.location.pathname + window.location.search, {
      target: "#board", select: "#board", swap: "outerHTML",
    });
  }

  // --- phones: one column at a time, picked from the select --------------------------------------
  function applyPicker() {
    var picker = document.getElementById("board-stage-picker");
    if (!picker) return;
    if (shown) picker.value = shown;
    shown = picker.value;
    document.querySelectorAll(".board-col").forEach(function (col) {
      col.classList.toggle("is-shown", col.dataset.stage === shown);
    });
  }
  document.addEventListener("change", function (e) {
    if (e.target.id === "board-stage-picker") {
      shown = e.target.value;
      applyPicker();
    }
  });
  // ... or swiped: a sideways swipe on the board shows the next (right to left) or the previous
  // column, as the select would. Only while the select is shown (phones); vertical scrolling and
  // taps are left alone (a swipe is at least 50 px, and more sideways than up or down).
  var touch = null;
  function showStep(step) {
    var picker = document.getElementById("board-stage-picker");
    var i = picker.selectedIndex + step;
    if (i < 0 || i >= picker.options.length) return;
    shown = picker.options[i].value;
    applyPicker();
    var col = document.querySelector('.board-col[data-stage="' + shown + '"]');
    if (col && col.getBoundingClientRect().top < 0) col.scrollIntoView({ block: "start" });
  }
  document.addEventListener("touchstart", function (e) {
    var picker = document.getElementById("board-stage-picker");
    var onBoard = e.target.closest && e.target.closest(".board");
    touch = null;
    if (!onBoard || !picker || !picker.offsetParent || e.touches.length !== 1) return;
    if (e.target.closest(".board-move-menu, input, select, textarea")) return;
    touch = { x: e.touches[0].clientX, y: e.touches[0].clientY };
  }, { passive: true });
  document.addEventListener("touchend", function (e) {
    if (!touch) return;
    var dx = e.changedTouches[0].clientX - touch.x;
    var dy = e.changedTouches[0].clientY - touch.y;
    touch = null;
    if (Math.abs(dx) >= 50 && Math.abs(dx) > 1.5 * Math.abs(dy)) showStep(dx < 0 ? 1 : -1);
  }, { passive: true });

  // --- each editable card's "移动到…" menu: the board's one #move-toggle copied into every draggable
  // card (editors' cards), on load and whenever htmx swaps cards in (the board reloaded after a
  // move, a column's next page).
  function addMenus() {
    var toggle = document.getElementById("move-toggle");
    if (!toggle) return;
    document.querySelectorAll(".board-card[draggable=true]").forEach(function (card) {
      if (!card.querySelector(".board-move")) card.appendChild(toggle.content.cloneNode(true));
    });
  }

  // --- the dialog ------------------------------------------------------------------------------
  document.body.addEventListener("htmx:afterSwap", function (e) {
    addMenus();
    if (e.detail.target === body) {
      if (pending) pending.error = refusal();
      if (!dialog.open) dialog.showModal();
      var first = body.querySelector("input:not([type=hidden]), select, textarea");
      if (first) first.focus();
    } else if (e.detail.target && e.detail.target.id === "board") {
      applyPicker();
    }
  });
  document.body.addEventListener("htmx:responseError", function (e) {
    // The dialog could not be opened (a stage the project is at, a record out of reach).
    if (pending && e.detail.target === body) {
      pending.error = e.detail.xhr.responseText || e.detail.xhr.statusText;
      snapBack();
    }
  });
  document.body.addEventListener("projectMoved", function (e) {
    if (pending) pending.done = true;
    if (dialog.open) dialog.close();
    say(e.detail && e.detail.message, "success");
    reloadBoard();
  });
  dialog.addEventListener("close", function () {
    body.innerHTML = "";
    snapBack();
  });
  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-dialog-close]")) {
      dialog.close();
      return;
    }
    var item = e.target.closest("[data-move-to]");
    if (item) {
      var menu = item.closest("details");
      if (menu) menu.open = false;
      openMove(item.closest(".board-card"), item.dataset.moveTo, false);
      return;
    }
    // A click elsewhere folds any open "移动到…" menu.
    document.querySelectorAll(".board-move[open]").forEach(function (menu) {
      if (!menu.contains(e.target)) menu.open = false;
    });
  });

  // A card's "移动到…" menu gets its items when it opens: the board's one list, less its own stage.
  document.addEventListener("toggle", function (e) {
    var menu = e.target;
    if (!menu.classList || !menu.classList.contains("board-move") || !menu.open) return;
    var list = menu.querySelector(".board-move-menu");
    if (!list.firstChild) {
      var stage = menu.closest(".board-card").dataset.stage;
      list.appendChild(document.getElementById("move-menu").content.cloneNode(true));
      list.querySelectorAll("[data-move-to]").forEach(function (item) {
        if (item.dataset.moveTo === stage) item.remove();
      });
    }
    var first = list.querySelector("button");
    if (first) first.focus();
  }, true);

  // --- drag and drop (HTML5) -------------------------------------------------------------------
  document.addEventListener("dragstart", function (e) {
    var card = e.target.closest && e.target.closest(".board-card[draggable=true]");
    if (!card) return;
    dragged = card;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", card.dataset.pk);
    card.classList.add("is-dragging");
  });
  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
    document.querySelectorAll(".board-col.is-over").forEach(function (c) {
      c.classList.remove("is-over");
    });
  });
  document.addEventListener("dragover", function (e) {
    var col = dragged && e.target.closest && e.target.closest(".board-col");
    if (!col) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    document.querySelectorAll(".board-col.is-over").forEach(function (c) {
      if (c !== col) c.classList.remove("is-over");
    });
    col.classList.add("is-over");
  });
  document.addEventListener("drop", function (e) {
    var col = dragged && e.target.closest && e.target.closest(".board-col");
    if (!col) return;
    e.preventDefault();
    col.classList.remove("is-over");
    var card = dragged;
    dragged = null;
    card.classList.remove("is-dragging");
    openMove(card, col.dataset.stage, true);
  });

  addMenus();
  applyPicker();
})();
