// Search with the Pagefind index built at build time. Results name their kind: issue, stakeholder,
// event (a timeline entry), source, or page.
(function () {
  "use strict";
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  if (location.protocol === "file:") {
    document.querySelector(".search-file-note").hidden = false;
    status.textContent = "";
    return;
  }
  var kinds = JSON.parse(list.dataset.kinds); // the kinds' names in the page's language
  var pagefind = null;
  var latest = 0;

  function item(kind, title, url, excerpt) {
    var li = document.createElement("li");
    var label = document.createElement("span");
    label.className = "result-kind";
    label.textContent = kinds[kind] || kind;
    var link = document.createElement("a");
    link.href = url;
    link.textContent = title;
    var text = document.createElement("p");
    text.innerHTML = excerpt; // Pagefind's excerpt: escaped text with <mark> around matches
    li.append(label, " ", link, text);
    return li;
  }

  // The kind of one section of the timeline or sources page, from the heading it starts at: events and
  // sources are h3 and h2 with their own id; the periods table is the timeline's own; a year heading
  // (whose events are results of their own) is not a result.
  function subKind(kind, s) {
    var id = (s.anchor && s.anchor.id) || "";
    if (kind === "Sources") return "Source";
    if (id === "periods-title") return "Timeline";
    if (id.indexOf("year-") === 0) return "";
    return "Event";
  }

  async function run(query) {
    var ticket = ++latest;
    if (!query.trim()) { list.replaceChildren(); status.textContent = ""; return; }
    if (!pagefind) {
      pagefind = await import(new URL(list.dataset.index, location.href).href);
      // The timeline is one long page holding every event: a low length penalty lets it (and the issues)
      // rank for the words they are about, rather than the short profiles that mention them once.
      await pagefind.options({ ranking: { pageLength: 0.2 } });
    }
    var search = await pagefind.search(query);
    var results = await Promise.all(search.results.slice(0, 20).map(function (r) { return r.data(); }));
    if (ticket !== latest) return;
    var items = [];
    results.forEach(function (data) {
      var kind = data.meta.kind || "Page";
      if (kind === "Timeline" || kind === "Sources") {
        data.sub_results.filter(function (s) { return s.url.indexOf("#") > 0; }).slice(0, 5).forEach(function (s) {
          var sub = subKind(kind, s);
          if (sub) items.push(item(sub, s.title, s.url, s.excerpt));
        });
      } else {
        items.push(item(kind, data.meta.title || data.url, data.url, data.excerpt));
      }
    });
    list.replaceChildren.apply(list, items);
    var said = items.length ? list.dataset.results : list.dataset.none;
    status.textContent = said.replace("{count}", items.length).replace("{query}", query);
  }

  var params = new URLSearchParams(location.search);
  input.value = params.get("q") || "";
  input.addEventListener("input", function () { run(input.value).catch(showError); });
  input.form.addEventListener("submit", function (e) {
    e.preventDefault();
    history.replaceState(null, "", "?q=" + encodeURIComponent(input.value));
    run(input.value).catch(showError);
  });
  function showError() { status.textContent = list.dataset.error; }
  run(input.value).catch(showError);
})();
