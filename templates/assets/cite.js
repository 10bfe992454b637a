// Citation previews. Without JavaScript a citation is a plain link to its entry in the references; with
// it, hovering or focusing a citation shows that entry (title, publisher, date) beside it, and on a touch
// screen the first tap shows the preview and a second tap follows the link.
(function () {
  "use strict";
  var links = document.querySelectorAll("main sup.cite a[href^='#ref-']");
  if (!links.length) return;
  var preview = document.createElement("div");
  preview.id = "cite-preview";
  preview.className = "cite-preview";
  preview.setAttribute("role", "tooltip");
  preview.hidden = true;
  document.body.appendChild(preview);
  var current = null;
  var hideTimer = 0;
  var lastPointer = "";
  var shownAtDown = false; // whether this citation's preview was open before the tap (focus opens it too)

  function show(link) {
    clearTimeout(hideTimer);
    var entry = document.getElementById(link.getAttribute("href").slice(1));
    if (!entry) return;
    if (current && current !== link) current.removeAttribute("aria-describedby");
    var copy = entry.cloneNode(true);
    copy.removeAttribute("id");
    Array.prototype.forEach.call(copy.querySelectorAll(".back"), function (back) { back.remove(); });
    var number = document.createElement("span");
    number.className = "cite-preview-number";
    number.textContent = "[" + link.getAttribute("href").slice(5) + "] ";
    preview.replaceChildren(number);
    while (copy.firstChild) preview.appendChild(copy.firstChild);
    preview.hidden = false;
    link.setAttribute("aria-describedby", "cite-preview");
    current = link;
    place(link);
  }

  function place(link) {
    var box = link.getBoundingClientRect();
    var width = Math.min(352, document.documentElement.clientWidth - 16);
    preview.style.width = width + "px";
    var left = Math.max(8, Math.min(box.left + window.scrollX - width / 2, window.scrollX + document.documentElement.clientWidth - width - 8));
    preview.style.left = left + "px";
    var below = box.bottom + window.scrollY + 6;
    preview.style.top = below + "px";
    var height = preview.offsetHeight;
    if (box.bottom + height + 6 > window.innerHeight && box.top - height - 6 > 0) {
      preview.style.top = box.top + window.scrollY - height - 6 + "px";
    }
  }

  // A reference folded in a closed <details> is opened before the browser scrolls to it (Chromium does
  // this itself; not every browser does).
  function unfold(id) {
    var entry = id && document.getElementById(id);
    for (var d = entry && entry.closest("details:not([open])"); d; d = d.parentElement.closest("details:not([open])")) {
      d.open = true;
    }
  }

  function hide() {
    preview.hidden = true;
    if (current) current.removeAttribute("aria-describedby");
    current = null;
  }

  function hideSoon() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, 200);
  }

  Array.prototype.forEach.call(links, function (link) {
    link.addEventListener("pointerenter", function (e) { if (e.pointerType === "mouse") show(link); });
    link.addEventListener("pointerleave", function (e) { if (e.pointerType === "mouse") hideSoon(); });
    link.addEventListener("pointerdown", function (e) {
      lastPointer = e.pointerType;
      shownAtDown = current === link && !preview.hidden;
    });
    link.addEventListener("focus", function () { show(link); });
    link.addEventListener("blur", hideSoon);
    link.addEventListener("click", function (e) {
      // a tap shows the preview first; a second tap on the same citation follows the link
      if (lastPointer === "touch" && !shownAtDown) {
        e.preventDefault();
        show(link);
      } else {
        unfold(link.getAttribute("href").slice(1));
        hide();
      }
      lastPointer = "";
      shownAtDown = false;
    });
  });
  preview.addEventListener("pointerenter", function () { clearTimeout(hideTimer); });
  preview.addEventListener("pointerleave", hideSoon);
  preview.addEventListener("focusin", function () { clearTimeout(hideTimer); });
  preview.addEventListener("focusout", hideSoon);
  document.addEventListener("keydown", function (e) { if (e.key === "Escape" && !preview.hidden) hide(); });
  document.addEventListener("pointerdown", function (e) {
    if (!preview.hidden && !preview.contains(e.target) && !(current && current.contains(e.target))) hide();
  });
  window.addEventListener("hashchange", function () { unfold(location.hash.slice(1)); });
  unfold(location.hash.slice(1));
  window.addEventListener("resize", function () { if (current && !preview.hidden) place(current); });
})();
