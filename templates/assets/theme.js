// The light/dark switch in the header: system → light → dark → system, remembered in localStorage. The choice
// is applied before first paint by the small script in <head>; without JavaScript the button stays hidden.
(function () {
  var root = document.documentElement, key = "briefing-theme", button = document.getElementById("theme-switch");
  if (!button) return;
  function show() { button.textContent = button.dataset[root.getAttribute("data-theme") || "system"]; } // labels in the page's language
  button.addEventListener("click", function () {
    var now = root.getAttribute("data-theme"), next = now === "light" ? "dark" : now === "dark" ? "" : "light";
    if (next) root.setAttribute("data-theme", next); else root.removeAttribute("data-theme");
    try { if (next) localStorage.setItem(key, next); else localStorage.removeItem(key); } catch (e) { /* private mode */ }
    show();
  });
  show();
  button.hidden = false;
})();
