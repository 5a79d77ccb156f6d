// Forms marked data-submit-once disable their submit buttons once sent, so a double click sends
// one request. The server is double-submit safe on its own (one-time token); this only spares
// the user a confusing second round trip.
(function () {
  "use strict";
  document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });
})();
// Coming back to the page (back button, bfcache) makes the buttons usable again.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-submit-once] button[type=submit]").forEach(function (b) { b.disabled = false; });
});
