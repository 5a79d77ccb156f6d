// Disable a form's submit button once it is submitted, so a double click sends one request.
// (The server also ignores a repeated submit of the same form via its one-time token.)
(function () {
  "use strict";
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        setTimeout(function () { button.disabled = true; }, 0);
      });
    });
  });
})();
