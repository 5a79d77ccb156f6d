// The header's search box (templates/base.html): htmx fills #global-search-results with
// suggestions (search:suggest); this moves through them with ↑/↓, opens the chosen one with Enter,
// and closes the list with Escape or a click elsewhere. Enter with nothing chosen submits the form
// (the full results page).
(function () {
  "use strict";
  var form = document.querySelector("form.global-search");
  if (!form) return;
  var input = form.querySelector("input[name=q]");
  var menu = document.getElementById("global-search-results");
  var active = -1;

  function options() {
    return Array.prototype.slice.call(menu.querySelectorAll("[data-search-option]"));
  }
  function setActive(index) {
    var opts = options();
    active = index;
    opts.forEach(function (opt, i) {
      if (!opt.id) opt.id = "global-search-option-" + i;
      opt.classList.toggle("active", i === index);
      opt.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (index >= 0 && opts[index]) {
      input.setAttribute("aria-activedescendant", opts[index].id);
      opts[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }
  function close() {
    menu.classList.remove("show");
    input.setAttribute("aria-expanded", "false");
    setActive(-1);
  }
  function open() {
    if (!menu.children.length || !input.value.trim()) {
      close();
      return;
    }
    menu.classList.add("show");
    input.setAttribute("aria-expanded", "true");
  }

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target !== menu) return;
    active = -1;
    if (document.activeElement === input) open();
  });
  input.addEventListener("focus", open);
  input.addEventListener("keydown", function (event) {
    var opts = options();
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!opts.length) return;
      event.preventDefault();
      open();
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = active + step;
      if (next >= opts.length) next = 0;
      if (next < 0) next = opts.length - 1;
      setActive(next);
    } else if (event.key === "Enter") {
      if (menu.classList.contains("show") && active >= 0 && opts[active]) {
        event.preventDefault();
        window.location.assign(opts[active].href);
      }
    } else if (event.key === "Escape") {
      close();
    }
  });
  document.addEventListener("click", function (event) {
    if (!form.contains(event.target)) close();
  });
})();
