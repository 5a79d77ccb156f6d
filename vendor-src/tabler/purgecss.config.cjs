// Tabler's CSS trimmed to the selectors the product uses (see static/vendor/README.md).
// Run from the repository root: npx purgecss@6.0.0 --config vendor-src/tabler/purgecss.config.cjs
module.exports = {
  css: ["vendor-src/tabler/tabler.min.css"],
  // Every place a class name can come from: templates, our scripts, Python (form widgets, views,
  // template tags). Tabler's own scripts add the Bootstrap state classes kept below.
  content: ["templates/**/*.html", "*/templates/**/*.html", "static/js/**/*.js", "*/**/*.py"],
  skippedContentGlobs: [".venv/**", "node_modules/**", "staticfiles/**"],
  safelist: {
    standard: [
      // Set by Bootstrap's collapse (the only Bootstrap script the pages use) and by forms.
      "show", "collapsing", "active", "disabled", "is-invalid", "is-valid", "was-validated",
      // Built from a variable in a template: alert-{{ message.tags }}, btn-{{ action.style }}.
      "alert-success", "alert-info", "alert-warning", "alert-danger",
      "btn-primary", "btn-outline-primary", "btn-outline-secondary", "btn-outline-danger",
    ],
  },
};
