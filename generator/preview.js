// The preview's page update (served by `briefing serve` only, never part of a built site). When a build
// rewrote nothing but pages, the server says so ("briefing:pages") and the open page is updated in place: its
// new text is fetched and its <body> swapped, keeping the scroll position and the loaded stylesheets. A full
// reload, as livereload.js does by itself, takes a browser 150 ms even for an empty page; the swap takes 15.
// Anything the swap cannot make exactly what a reload shows (another stylesheet or script in the head, a
// missing page, a failed fetch, any other file rewritten) falls back to the full reload.
(function () {
  "use strict";
  var PAGES_ONLY = "briefing:pages";

  // The page's scripts listen on `window` and `document`, which a swap keeps: what they add while they run
  // (deferred, they run after this script and before DOMContentLoaded) is noted, and taken away before they
  // run again on the new body. Listeners added by anything else are left alone.
  var added = [];
  var recording = true;
  var add = EventTarget.prototype.addEventListener;
  [window, document].forEach(function (target) {
    target.addEventListener = function (type, listener, options) {
      if (recording) added.push([target, type, listener, options]);
      return add.call(target, type, listener, options);
    };
  });
  add.call(document, "DOMContentLoaded", function () { recording = false; });

  function runs(element) {
    if (element.tagName === "STYLE") return true;
    if (element.tagName === "LINK") return /\b(stylesheet|preload|modulepreload|icon|manifest)\b/i.test(element.rel);
    if (element.tagName !== "SCRIPT") return false;
    return !element.type || /^(module|(text|application)\/(javascript|ecmascript))$/i.test(element.type);
  }

  function loaded(head) {
    return Array.prototype.filter.call(head.children, runs).map(function (element) { return element.outerHTML; });
  }

  function swap(fresh) {
    var head = document.head;
    if (loaded(fresh.head).join("\n") !== loaded(head).join("\n")) return false;
    added.forEach(function (entry) { entry[0].removeEventListener(entry[1], entry[2], entry[3]); });
    added = [];
    Array.prototype.slice.call(head.children).forEach(function (element) { if (!runs(element)) element.remove(); });
    Array.prototype.forEach.call(fresh.head.children, function (element) {
      if (!runs(element)) head.appendChild(document.importNode(element, true));
    });
    ["lang", "dir"].forEach(function (name) {
      var value = fresh.documentElement.getAttribute(name);
      if (value === null) document.documentElement.removeAttribute(name);
      else document.documentElement.setAttribute(name, value);
    });
    document.body.replaceWith(document.importNode(fresh.body, true));
    // scripts that came with the new text do not run by themselves: each of the page's runs again, in order
    var scripts = document.querySelectorAll("script[src]:not([data-briefing-preview])");
    var running = scripts.length;
    var ran = function () { running -= 1; recording = running > 0; };
    recording = running > 0;
    scripts.forEach(function (old) {
      var again = document.createElement("script");
      Array.prototype.forEach.call(old.attributes, function (a) { again.setAttribute(a.name, a.value); });
      again.async = false;
      add.call(again, "load", ran);
      add.call(again, "error", ran);
      old.replaceWith(again);
    });
    return true;
  }

  var latest = 0; // the last reload asked for: an answer to an earlier one is dropped

  function BriefingPreview(win) { this.window = win; }
  BriefingPreview.identifier = "briefing-preview";
  BriefingPreview.version = "1.0";
  BriefingPreview.prototype.reload = function (path) {
    if (path !== PAGES_ONLY) return false;
    var asked = ++latest;
    var reloadPage = function () { if (asked === latest) window.location.reload(); };
    fetch(window.location.href, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || response.redirected || type.indexOf("text/html") !== 0) throw new Error("not this page");
        return response.text();
      })
      .then(function (text) {
        if (asked !== latest) return;
        if (!swap(new DOMParser().parseFromString(text, "text/html"))) reloadPage();
      })
      .catch(reloadPage);
    return true;
  };

  if (window.LiveReload) window.LiveReload.addPlugin(BriefingPreview);
  else window.LiveReloadPluginBriefingPreview = BriefingPreview;
})();
