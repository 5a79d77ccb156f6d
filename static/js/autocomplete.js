// Enterprise autocomplete for inputs with data-autocomplete="<url>" and list="<datalist id>":
// fills the datalist with names matching Chinese, pinyin or initials (e.g. "jl" -> 吉利).
(function () {
  "use strict";
  function debounce(fn, ms) {
    let timer;
    return function (...args) { clearTimeout(timer); timer = setTimeout(() => fn.apply(this, args), ms); };
  }
  document.querySelectorAll("input[data-autocomplete]").forEach(function (input) {
    const list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    const creditField = input.form && input.form.querySelector("[name=credit_code]");
    let lastResults = [];
    input.addEventListener("input", debounce(async function () {
      const q = input.value.trim();
      if (q.length < 1) return;
      try {
        const response = await fetch(input.dataset.autocomplete + "?q=" + encodeURIComponent(q), {
          headers: { "Accept": "application/json" }, credentials: "same-origin",
        });
        if (!response.ok) return;
        const data = await response.json();
        lastResults = Array.isArray(data) ? data : (data.results || []);
        list.replaceChildren(...lastResults.map(function (item) {
          const option = document.createElement("option");
          option.value = item.name;
          option.label = [item.region, item.credit_code].filter(Boolean).join(" · ");
          return option;
        }));
      } catch (e) { /* offline or endpoint missing: typing still works */ }
    }, 200));
    input.addEventListener("change", function () {
      const hit = lastResults.find((item) => item.name === input.value);
      if (hit && creditField && !creditField.value && hit.credit_code) creditField.value = hit.credit_code;
    });
  });
})();
