/* /api/redoc/: Redoc's sidebar footer always shows its maker's logo, an <img> from cdn.redoc.ly
   (no Redoc option turns it off; hideLogo is about the API's own x-logo). The site's CSP (img-src
   'self') refuses it, which is a console error, and the city's network may be offline anyway. Loaded
   before Redoc's bundle: that one image never gets its src (neither as a property nor as an
   attribute), so nothing is requested, and api-docs.css hides it; the footer's "API docs by
   Redocly" link stays. */
(function () {
  "use strict";
  function offsite(value) { return String(value).indexOf("https://cdn.redoc.ly/") === 0; }
  function hide(img) { img.classList.add("redoc-offsite-logo"); }

  var src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    enumerable: src.enumerable,
    get: src.get,
    set: function (value) { if (offsite(value)) { hide(this); } else { src.set.call(this, value); } }
  });
  var setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (this instanceof HTMLImageElement && String(name).toLowerCase() === "src" && offsite(value)) {
      hide(this);
      return;
    }
    return setAttribute.call(this, name, value);
  };
})();
