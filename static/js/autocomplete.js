// Enterprise suggestions for any <input data-autocomplete="/enterprises/autocomplete/" list="...">:
// as the user types (Chinese, pinyin or initials such as "jl" for 吉利) the <datalist> named by the
// input's list attribute is filled from the JSON endpoint [{id, name, credit_code, region}].
// If the input also has data-autocomplete-id="<id of a hidden input>", picking a suggestion stores
// the enterprise id there (and clears it when the text no longer names that enterprise).
(function () {
  "use strict";
  function attach(input) {
    var list = input.list || document.getElementById(input.getAttribute("list"));
    if (!list) return;
    var url = input.dataset.autocomplete;
    var hidden = input.dataset.autocompleteId ? document.getElementById(input.dataset.autocompleteId) : null;
    var timer = null;
    var controller = null;
    var byName = {};

    function fill(rows) {
      list.replaceChildren();
      byName = {};
      rows.forEach(function (row) {
        var option = document.createElement("option");
        option.value = row.name;  // textContent-free: values are set as properties, never parsed as HTML
        option.label = [row.region, row.credit_code].filter(Boolean).join(" · ");
        list.appendChild(option);
        byName[row.name] = row;
      });
    }

    function sync() {
      if (!hidden) return;
      var row = byName[input.value];
      hidden.value = row ? row.id : "";
    }

    input.addEventListener("input", function () {
      sync();
      var q = input.value.trim();
      window.clearTimeout(timer);
      if (!q) { fill([]); return; }
      timer = window.setTimeout(function () {
        if (controller) controller.abort();
        controller = new AbortController();
        fetch(url + "?q=" + encodeURIComponent(q), {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
          signal: controller.signal
        })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (rows) { fill(rows); sync(); })
          .catch(function () { /* aborted by a newer keystroke, or offline: keep what we have */ });
      }, 150);
    });
    input.addEventListener("change", sync);
  }
  function init() {
    document.querySelectorAll("input[data-autocomplete]").forEach(attach);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
