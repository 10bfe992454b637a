// Instant timeline filtering. Without JavaScript the page lists every event and links to each issue's
// and stakeholder's own timeline; with it, two menus filter the list in place (kept in the address).
(function () {
  "use strict";
  var form = document.querySelector(".timeline-filter");
  if (!form) return;
  var issue = form.querySelector("#filter-issue");
  var stakeholder = form.querySelector("#filter-stakeholder");
  var count = form.querySelector("#filter-count");
  var events = Array.prototype.slice.call(document.querySelectorAll(".events > .event"));
  var sections = Array.prototype.slice.call(document.querySelectorAll("main section"));

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
    sections.forEach(function (section) {
      section.hidden = !section.querySelector(".event:not([hidden])");
    });
    count.textContent = "Showing " + shown + " of " + events.length + " events";
    var params = new URLSearchParams();
    if (issue.value) params.set("issue", issue.value);
    if (stakeholder.value) params.set("stakeholder", stakeholder.value);
    var query = params.toString();
    history.replaceState(null, "", query ? "?" + query + location.hash : location.pathname + location.hash);
  }

  var params = new URLSearchParams(location.search);
  issue.value = params.get("issue") || "";
  stakeholder.value = params.get("stakeholder") || "";
  form.hidden = false;
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  apply();
})();
