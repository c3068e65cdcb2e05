// Countdowns: server time at render + time since load; the demo clock may run ahead of real time.
(function () {
  "use strict";
  function tick() {
    var now = Date.parse(document.body.dataset.now) + (Date.now() - window.__loadedAt);
    document.querySelectorAll("time.countdown").forEach(function (el) {
      var left = Math.max(0, Date.parse(el.getAttribute("datetime")) - now) / 1000;
      var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600),
          m = Math.floor(left % 3600 / 60), s = Math.floor(left % 60);
      el.querySelector(".left").textContent =
        left <= 0 ? "due now" : (d ? d + "d " : "") + h + "h " + m + "m " + s + "s left";
    });
  }
  window.__loadedAt = Date.now();
  document.addEventListener("htmx:afterSettle", function () { window.__loadedAt = Date.now(); tick(); });
  setInterval(tick, 1000); tick();
})();
