// The frame's behaviour (base.html): the loading bar during htmx requests, toasts that fade,
// and the menu kept open on wide screens by browsers without ::details-content.
(function () {
  "use strict";
  var TOAST_MS = 6000;

  // Loading bar: counts requests in flight; each one ends with its xhr's loadend (success,
  // error, abort or timeout alike).
  var pending = 0;
  function loading() { document.documentElement.classList.toggle("is-loading", pending > 0); }
  document.addEventListener("htmx:beforeSend", function (event) {
    pending += 1; loading();
    event.detail.xhr.addEventListener("loadend", function () {
      pending = Math.max(0, pending - 1); loading();
    });
  });

  // Toasts fade after a while but stay in the DOM (role=status, still readable); Escape fades
  // them at once.
  function armToasts(root) {
    (root || document).querySelectorAll(".toast:not([data-armed])").forEach(function (toast) {
      toast.setAttribute("data-armed", "");
      window.setTimeout(function () { toast.classList.add("toast-faded"); }, TOAST_MS);
    });
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      document.querySelectorAll(".toast").forEach(function (t) { t.classList.add("toast-faded"); });
    }
  });

  // The menu: CSS shows a closed <details>' content on wide screens through ::details-content;
  // where that selector is unknown, open the menu on wide screens instead.
  var wide = window.matchMedia("(min-width: 960px)");
  var hasDetailsContent = window.CSS && CSS.supports && CSS.supports("selector(::details-content)");
  function menuFallback() {
    if (hasDetailsContent) { return; }
    document.querySelectorAll("details.menu").forEach(function (menu) { menu.open = wide.matches; });
  }
  if (wide.addEventListener) { wide.addEventListener("change", menuFallback); }

  function ready(root) { armToasts(root); menuFallback(); }
  document.addEventListener("htmx:load", function (event) { ready(event.detail.elt); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { ready(document); });
  } else {
    ready(document);
  }
})();
