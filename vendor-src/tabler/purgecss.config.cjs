// Tabler's CSS trimmed to the selectors the product uses (see static/vendor/README.md).
// Run from the repository root: npx purgecss@6.0.0 --config vendor-src/tabler/purgecss.config.cjs
module.exports = {
  css: ["vendor-src/tabler/tabler.min.css"],
  // Every place a class name can come from: templates, our scripts, Python (form widgets, views,
  // template tags). Tabler's own scripts add the Bootstrap state classes kept below.
  content: ["templates/**/*.html", "*/templates/**/*.html", "static/js/**/*.js", "*/**/*.py"],
  skippedContentGlobs: [".venv/**", "node_modules/**", "staticfiles/**"],
  // Set by Bootstrap's dropdown (the header's 更多 menu) on the open menu.
  dynamicAttributes: ["data-bs-popper"],
  safelist: {
    standard: [
      // Set by Bootstrap's collapse and dropdown (the only Bootstrap scripts the pages use), by forms
      // and by static/js/global-search.js.
      "show", "collapsing", "active", "disabled", "is-invalid", "is-valid", "was-validated",
      // Built from a variable in a template: alert-{{ message.tags }}, btn-{{ action.style }}.
      "alert-success", "alert-info", "alert-warning", "alert-danger",
      "btn-primary", "btn-outline-primary", "btn-outline-secondary", "btn-outline-danger",
    ],
  },
};
