// Countdowns that stay true (web/live.py says why and how).
// - Time is the server's: `<body data-now>` of the page first loaded, then the X-Rescind-Now
//   header of every htmx response (hx-boost keeps the first page's body attributes), then the
//   `now` of each live answer. The demo clock may run ahead of real time.
// - A deadline that is due makes the page ask /live/deadlines/ every few seconds which of its
//   deadlines still run; once the platform has acted on one (or a new one runs), the page
//   reloads to show the order as it is now. In demo mode (data-live-clock-moves) a page
//   showing one order's countdowns asks always, for a clock moved elsewhere. An action that
//   becomes available while the page is open reloads it once.
(function () {
  "use strict";
  var POLL_MS = 3000, GRACE_MS = 1500;
  var offset = 0; // server time minus this browser's time, in ms
  var asking = false, lastAsk = Date.now(), reloading = false; // lastAsk: this browser's time
  var seenEarly = new WeakSet(); // upcoming countdowns seen before they were due

  function setNow(iso) {
    var at = Date.parse(iso);
    if (!isNaN(at)) offset = at - Date.now();
  }
  function serverNow() { return Date.now() + offset; }
  function dueAt(el) { return Date.parse(el.getAttribute("datetime")); }

  // The words of the page's language: <script id="countdown-words"> (rescind.moments.durations
  // countdown_words, rendered with the menu), the same words the server says; English without it.
  var ENGLISH = {lang: "en", pair: "%(larger)s %(smaller)s", under_hour: "under an hour",
    left: "%(time)s left", due: "due now", forms: {
      day: {one: "%(count)s day", other: "%(count)s days"},
      hour: {one: "%(count)s hour", other: "%(count)s hours"},
      minute: {one: "%(count)s minute", other: "%(count)s minutes"}}};
  var wordsSource = null, words = ENGLISH, plurals = new Intl.PluralRules("en");

  function currentWords() {
    var el = document.getElementById("countdown-words");
    var source = el ? el.textContent : null;
    if (source === wordsSource) return words;
    wordsSource = source;
    try { words = source ? JSON.parse(source) : ENGLISH; } catch (e) { words = ENGLISH; }
    try { plurals = new Intl.PluralRules(words.lang); } catch (e) { plurals = new Intl.PluralRules("en"); }
    return words;
  }

  function unit(name, n) {
    var forms = words.forms[name], form = forms[plurals.select(n)] || forms.other;
    return form.replace("%(count)s", String(n));
  }

  // As rescind.moments.durations.duration_words: the largest unit and the next, rounded
  // down to the minute; under an hour says so.
  function durationWords(seconds) {
    var minutes = Math.floor(Math.max(0, seconds) / 60), larger, smaller = "";
    var d = Math.floor(minutes / 1440), h = Math.floor(minutes % 1440 / 60), m = minutes % 60;
    if (d) { larger = unit("day", d); if (h) smaller = unit("hour", h); }
    else if (h) { larger = unit("hour", h); if (m) smaller = unit("minute", m); }
    else return words.under_hour;
    return smaller ? words.pair.replace("%(larger)s", larger).replace("%(smaller)s", smaller)
                   : larger;
  }

  function text(left) {
    currentWords();
    if (left <= 0) return words.due;
    return words.left.replace("%(time)s", durationWords(left));
  }

  function reload() {
    if (reloading) return;
    reloading = true;
    window.location.reload();
  }

  function tick() {
    var now = serverNow();
    document.querySelectorAll("time.countdown").forEach(function (el) {
      var left = Math.max(0, dueAt(el) - now) / 1000, span = el.querySelector(".left");
      var said = text(left);
      if (span && span.textContent !== said) span.textContent = said;
    });
    document.querySelectorAll("[data-live-order] .upcoming time.countdown").forEach(function (el) {
      if (dueAt(el) > now) seenEarly.add(el);
      else if (seenEarly.has(el) && now - dueAt(el) >= GRACE_MS) reload();
    });
    if (!asking && !document.hidden && Date.now() - lastAsk >= POLL_MS) ask(now);
  }

  // The orders to ask about: those with a deadline due by the next ask; in demo mode, an
  // order shown alone (its page) always.
  function ordersToAsk(now) {
    var boxes = document.querySelectorAll("[data-live-order]"), ids = [];
    boxes.forEach(function (box) {
      var due = Array.prototype.some.call(box.querySelectorAll(".deadline time.countdown"),
        function (el) { return dueAt(el) - now <= POLL_MS; });
      var always = boxes.length === 1 && box.hasAttribute("data-live-clock-moves");
      if (always || due) ids.push(box.getAttribute("data-live-order"));
    });
    return {ids: ids, url: boxes.length ? boxes[0].getAttribute("data-live-url") : null};
  }

  function shown(id) {
    var box = document.querySelector('[data-live-order="' + id + '"]');
    if (!box) return null;
    return Array.prototype.map.call(box.querySelectorAll(".deadline"), function (el) {
      return el.getAttribute("data-kind") + "@" + dueAt(el.querySelector("time.countdown"));
    }).sort().join(" ");
  }

  function ask(now) {
    var wanted = ordersToAsk(now);
    if (!wanted.ids.length) return;
    asking = true;
    var query = wanted.ids.map(function (id) { return "order=" + encodeURIComponent(id); });
    fetch(wanted.url + "?" + query.join("&"), {headers: {"Accept": "application/json"},
                                                credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        if (!answer) return;
        setNow(answer.now);
        wanted.ids.forEach(function (id) {
          var running = (answer.deadlines[id] || []).map(function (d) {
            return d[0] + "@" + Date.parse(d[1]);
          }).sort().join(" ");
          var page = shown(id);
          if (page !== null && page !== running) reload();
        });
      })
      .catch(function () { /* offline or restarting: ask again at the next turn */ })
      .then(function () { asking = false; lastAsk = Date.now(); });
  }

  function fromResponse(event) {
    var xhr = event.detail && event.detail.xhr;
    var header = xhr && xhr.getResponseHeader("X-Rescind-Now");
    if (header) setNow(header);
  }

  // A list's link to where the order page does an action may name a closed <details> (the
  // dispute form): open it, as a plain fragment navigation into it would.
  function openTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (target && target.tagName === "DETAILS") target.open = true;
  }

  // The browser's time zone, for the server (accounts/middleware.py): the first visit of a
  // person without one stores it as theirs; their profile page changes it.
  function zoneCookie() {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (zone && document.cookie.indexOf("rescind_tz=" + encodeURIComponent(zone)) < 0)
      document.cookie = "rescind_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; SameSite=Lax";
  }

  zoneCookie();
  setNow(document.body.dataset.now);
  document.addEventListener("htmx:afterSettle", openTarget);
  window.addEventListener("hashchange", openTarget);
  openTarget();
  document.addEventListener("htmx:beforeSwap", fromResponse);
  document.addEventListener("htmx:afterRequest", fromResponse);
  document.addEventListener("htmx:historyCacheMissLoad", fromResponse);
  document.addEventListener("htmx:afterSettle", tick);
  document.addEventListener("htmx:historyRestore", tick);
  setInterval(tick, 1000);
  tick();
})();
