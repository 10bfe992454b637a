// Instant timeline filtering. Without JavaScript the page lists every event and links to each issue's
// and stakeholder's own timeline; with it, two menus filter the list in place (kept in the address).
// Only events and the year sections that hold them are ever hidden, and a link that leads to a hidden
// target (a citation, a mark of the strip, the address's fragment) clears the filter first: no link
// on this page leads nowhere.
(function () {
  "use strict";
  var form = document.querySelector(".timeline-filter");
  if (!form) return;
  var issue = form.querySelector("#filter-issue");
  var stakeholder = form.querySelector("#filter-stakeholder");
  var count = form.querySelector("#filter-count");
  var events = Array.prototype.slice.call(document.querySelectorAll(".events > .event"));
  var years = Array.prototype.slice.call(document.querySelectorAll("main section.year"));

  function has(list, value) {
    return !value || (" " + list + " ").indexOf(" " + value + " ") >= 0;
  }

  function apply() {
    var shown = 0;
    events.forEach(function (event) {
      var visible = has(event.dataset.issues, issue.value) && has(event.dataset.stakeholders, stakeholder.value);
      event.hidden = !visible;
      if (visible) shown += 1;
    });
    years.forEach(function (section) {
      section.hidden = !section.querySelector(".event:not([hidden])");
    });
    count.textContent = count.dataset.template.replace("{shown}", shown).replace("{total}", events.length);
    var params = new URLSearchParams();
    if (issue.value) params.set("issue", issue.value);
    if (stakeholder.value) params.set("stakeholder", stakeholder.value);
    var query = params.toString();
    history.replaceState(null, "", query ? "?" + query + location.hash : location.pathname + location.hash);
  }

  // Clears the filter if the element with this id is hidden by it; true if anything changed.
  function reveal(id) {
    var target = id && document.getElementById(id);
    if (!target) return false;
    for (var d = target.closest("details:not([open])"); d; d = d.parentElement.closest("details:not([open])")) {
      d.open = true;
    }
    if (!target.closest("[hidden]")) return false;
    issue.value = "";
    stakeholder.value = "";
    apply();
    return true;
  }

  function fragment() {
    try {
      return decodeURIComponent(location.hash.slice(1));
    } catch (e) {
      return "";
    }
  }

  // Runs before the browser follows the link, so it scrolls to a target already shown.
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a[href]");
    if (!link) return;
    var href = link.getAttribute("href");
    if (href.charAt(0) !== "#") return;
    var id = href.slice(1);
    try {
      id = decodeURIComponent(id);
    } catch (err) {
      return;
    }
    reveal(id);
  }, true);

  window.addEventListener("hashchange", function () {
    var id = fragment();
    if (reveal(id)) document.getElementById(id).scrollIntoView();
  });

  var params = new URLSearchParams(location.search);
  issue.value = params.get("issue") || "";
  stakeholder.value = params.get("stakeholder") || "";
  form.hidden = false;
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  apply();
  var initial = fragment();
  if (reveal(initial)) document.getElementById(initial).scrollIntoView();
})();
