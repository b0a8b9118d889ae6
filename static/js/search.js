/* Search page: Pagefind's prebuilt index, queried in the browser.
   Enhances templates/search.html; without JavaScript the page says so and links
   to the topic index. Query, filters and order live in the URL
   (/search/?q=...&topic=...&sort=...), so a search can be shared and reloaded.
   The index may be split into shards (pagefind/shards.json lists them), searched
   together with Pagefind's mergeIndex; see sortedAcrossShards for ordered results. */
(function () {
  "use strict";
  var doc = document;
  var root = doc.getElementById("search");
  if (!root || !root.getAttribute("data-pagefind") || !window.URLSearchParams) return;

  var FACETS = [
    { name: "topic", legend: "Topic" },
    { name: "status", legend: "Status" },
    { name: "tag", legend: "Tag" },
    { name: "year", legend: "Year" },
    { name: "author", legend: "Author" }
  ];
  var STATUS_ORDER = ["unread", "queued", "reading", "read", "skimmed", "dropped"];
  var SORTS = ["rating", "date"];
  var PAGE_SIZE = 20;
  var DEBOUNCE_MS = 200;

  var form = doc.getElementById("search-form");
  var box = doc.getElementById("search-q");
  var statusLine = doc.getElementById("search-status");
  var layout = root.querySelector(".search-layout");
  var facetsBox = doc.getElementById("search-facets");
  var sortSelect = doc.getElementById("search-sort");
  var list = doc.getElementById("search-results");
  var more = doc.getElementById("search-more");
  var keys = doc.getElementById("search-keys");
  var base = root.getAttribute("data-base-url") || "/";
  var topicNames = {};
  try {
    topicNames = JSON.parse(doc.getElementById("search-topic-names").textContent) || {};
  } catch (e) { topicNames = {}; }

  var pagefind = null;
  var shardNames = [];  /* the index's shards (pagefind/shards.json); the first is the primary */
  var totals = {};      /* facet -> value -> papers, over the whole site */
  var results = null;   /* the current search's results, merged (see merged()) */
  var shown = 0;        /* results rendered so far */
  var generation = 0;   /* answers to superseded searches are dropped */
  var timer = 0;

  function el(tag, className) {
    var node = doc.createElement(tag);
    if (className) node.className = className;
    return node;
  }

  function label(facet, value) {
    if (facet === "topic") return topicNames[value] || value;
    if (facet === "status") return value.charAt(0).toUpperCase() + value.slice(1);
    return value;
  }

  function orderValues(facet, values) {
    if (facet === "status") {
      return values.sort(function (a, b) { return STATUS_ORDER.indexOf(a) - STATUS_ORDER.indexOf(b); });
    }
    if (facet === "year") return values.sort(function (a, b) { return Number(b) - Number(a); });
    return values.sort(function (a, b) {
      return label(facet, a).localeCompare(label(facet, b), undefined, { sensitivity: "base" });
    });
  }

  /* State: what the form says, what the URL says, and the URL for a state. */
  function selected(facet) {
    var boxes = facetsBox.querySelectorAll('input[name="' + facet + '"]:checked');
    return Array.prototype.map.call(boxes, function (input) { return input.value; });
  }

  function formState() {
    var state = { q: box.value.trim(), sort: sortSelect.value, filters: {} };
    FACETS.forEach(function (f) { state.filters[f.name] = selected(f.name); });
    return state;
  }

  function urlState() {
    var params = new URLSearchParams(window.location.search);
    var sort = params.get("sort") || "";
    var state = { q: (params.get("q") || "").trim(), sort: SORTS.indexOf(sort) >= 0 ? sort : "", filters: {} };
    FACETS.forEach(function (f) { state.filters[f.name] = params.getAll(f.name).filter(Boolean); });
    return state;
  }

  function urlFor(state) {
    var params = new URLSearchParams();
    if (state.q) params.set("q", state.q);
    FACETS.forEach(function (f) {
      state.filters[f.name].forEach(function (value) { params.append(f.name, value); });
    });
    if (state.sort) params.set("sort", state.sort);
    var query = params.toString();
    return window.location.pathname + (query ? "?" + query : "");
  }

  /* Within a facet any ticked value matches; across facets all must. */
  function pagefindFilters(state, except) {
    var filters = {};
    FACETS.forEach(function (f) {
      var values = state.filters[f.name];
      if (f.name !== except && values.length) filters[f.name] = { any: values };
    });
    return filters;
  }

  /* Facets: one fieldset of checkboxes per filter, counts updated per search. */
  function buildFacets(wanted) {
    FACETS.forEach(function (f) {
      var values = Object.keys(totals[f.name] || {});
      wanted[f.name].forEach(function (value) {
        if (values.indexOf(value) < 0) values.push(value);
      });
      if (!values.length) return;
      var fieldset = el("fieldset", "search-facet search-facet-" + f.name);
      var legend = el("legend");
      legend.textContent = f.legend;
      fieldset.appendChild(legend);
      var options = el("ul", "search-facet-values");
      orderValues(f.name, values).forEach(function (value) {
        var item = el("li");
        var line = el("label");
        var input = el("input");
        input.type = "checkbox";
        input.name = f.name;
        input.value = value;
        input.setAttribute("form", "search-form");
        input.checked = wanted[f.name].indexOf(value) >= 0;
        var name = el("span", "facet-name");
        name.textContent = label(f.name, value);
        var count = el("span", "count");
        line.appendChild(input);
        line.appendChild(name);
        line.appendChild(count);
        item.appendChild(line);
        options.appendChild(item);
      });
      fieldset.appendChild(options);
      facetsBox.appendChild(fieldset);
    });
  }

  function showCounts(counts) {
    Array.prototype.forEach.call(facetsBox.querySelectorAll("input[type=checkbox]"), function (input) {
      var n = (counts[input.name] && counts[input.name][input.value]) || 0;
      var line = input.parentNode;
      line.querySelector(".count").textContent = "(" + n + ")";
      line.parentNode.hidden = n === 0 && !input.checked;
    });
  }

  /* Results: everything built with textContent except Pagefind's excerpt,
     whose text Pagefind has already escaped around its <mark> highlights. */
  function renderResult(data) {
    var item = el("li", "search-result");
    var heading = el("h2", "search-result-title");
    var link = el("a", "search-result-link");
    link.href = data.url;
    link.textContent = (data.meta && data.meta.title) || data.url;
    heading.appendChild(link);
    item.appendChild(heading);
    var status = (data.meta && data.meta.status) || "";
    var topics = (data.filters && data.filters.topic) || [];
    if (status || topics.length) {
      var meta = el("div", "paper-meta");
      if (status) {
        var badge = el("span", "badge badge-" + status.replace(/[^a-z]/g, ""));
        var hidden = el("span", "visually-hidden");
        hidden.textContent = "Status: ";
        badge.appendChild(hidden);
        badge.appendChild(doc.createTextNode(label("status", status)));
        meta.appendChild(badge);
      }
      if (topics.length) {
        var chips = el("ul", "chips");
        chips.setAttribute("aria-label", "Topics");
        topics.forEach(function (slug) {
          var chip = el("li");
          var topicLink = el("a");
          topicLink.href = base + "topics/" + encodeURIComponent(slug) + "/";
          topicLink.textContent = label("topic", slug);
          chip.appendChild(topicLink);
          chips.appendChild(chip);
        });
        meta.appendChild(chips);
      }
      item.appendChild(meta);
    }
    if (data.excerpt) {
      var excerpt = el("p", "search-excerpt");
      excerpt.innerHTML = data.excerpt;
      item.appendChild(excerpt);
    }
    return item;
  }

  async function showMore(focusFirst) {
    var mine = generation;
    var loaded = await results.take(PAGE_SIZE);
    if (mine !== generation) return;
    var first = null;
    loaded.forEach(function (data) {
      var item = renderResult(data);
      list.appendChild(item);
      first = first || item.querySelector("a");
    });
    shown += loaded.length;
    more.hidden = shown >= results.count;
    if (focusFirst && first) first.focus();
  }

  function compareSortValues(a, b) {
    var x = Number(a), y = Number(b);
    if (a !== "" && b !== "" && !isNaN(x) && !isNaN(y)) return x - y;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /* Results to show, in order: take(n) loads the data of the next n. */
  function inOrder(list) {
    var next = 0;
    return {
      count: list.length,
      take: function (n) {
        var batch = list.slice(next, next + n);
        next += batch.length;
        return Promise.all(batch.map(function (result) { return result.data(); }));
      }
    };
  }

  /* Several shards, sorted: Pagefind merges shards' results by score, so each
     shard is searched alone (its "shard" filter) and the lists, each in the
     chosen order, are merged here by the sort value in the results' metadata. */
  async function sortedAcrossShards(state, options, count) {
    var lists = [];
    for (var i = 0; i < shardNames.length; i++) {
      var alone = { sort: options.sort, filters: Object.assign({}, options.filters, { shard: shardNames[i] }) };
      var answer = await pagefind.search(state.q || null, alone);
      lists.push(answer ? answer.results.slice() : []);
    }
    var heads = lists.map(function (list) { return list.length ? list.shift().data() : null; });
    return {
      count: count,
      take: async function (n) {
        var out = [];
        while (out.length < n) {
          var datas = await Promise.all(heads);
          var best = -1;
          datas.forEach(function (data, i) {
            if (!data) return;
            if (best < 0 || compareSortValues(data.meta[state.sort] || "", datas[best].meta[state.sort] || "") > 0) best = i;
          });
          if (best < 0) break;
          out.push(datas[best]);
          heads[best] = lists[best].length ? lists[best].shift().data() : null;
        }
        return out;
      }
    };
  }

  function describe(count, state) {
    var filtered = FACETS.some(function (f) { return state.filters[f.name].length; });
    var text = count === 0 ? "No papers found" : count + (count === 1 ? " paper found" : " papers found");
    if (state.q) text += " for \u201c" + state.q + "\u201d";
    if (filtered) text += " with the chosen filters";
    return text + ".";
  }

  async function run() {
    var state = formState();
    window.history.replaceState(null, "", urlFor(state));
    var mine = ++generation;
    /* Until this search's results and status are shown (assistive technology waits). */
    list.setAttribute("aria-busy", "true");
    var filtered = FACETS.some(function (f) { return state.filters[f.name].length; });
    if (!state.q && !filtered) {
      results = null;
      shown = 0;
      list.textContent = "";
      more.hidden = true;
      showCounts(totals);
      statusLine.textContent = "Type words to search, or pick a filter.";
      list.removeAttribute("aria-busy");
      return;
    }
    var options = { filters: pagefindFilters(state) };
    if (state.sort) {
      options.sort = {};
      options.sort[state.sort] = "desc";
    }
    var search = await pagefind.search(state.q || null, options);
    if (mine !== generation || !search) return;
    /* A facet's counts ignore its own ticks, so they say what ticking one more adds. */
    var counts = {};
    for (var i = 0; i < FACETS.length; i++) {
      var facet = FACETS[i].name;
      if (state.filters[facet].length) {
        var others = await pagefind.search(state.q || null, { filters: pagefindFilters(state, facet) });
        counts[facet] = (others && others.filters && others.filters[facet]) || {};
      } else {
        counts[facet] = (search.filters && search.filters[facet]) || {};
      }
    }
    if (mine !== generation) return;
    results = state.sort && shardNames.length > 1
      ? await sortedAcrossShards(state, options, search.results.length)
      : inOrder(search.results);
    if (mine !== generation) return;
    shown = 0;
    list.textContent = "";
    await showMore(false);
    if (mine !== generation) return;
    showCounts(counts);
    statusLine.textContent = describe(results.count, state);
    list.removeAttribute("aria-busy");
  }

  function failed() {
    statusLine.textContent = "Search failed; reload the page to try again.";
    list.removeAttribute("aria-busy");
  }

  function schedule() {
    window.clearTimeout(timer);
    list.setAttribute("aria-busy", "true");
    var words = box.value.trim();
    if (pagefind && words) pagefind.preload(words);
    timer = window.setTimeout(function () { run().catch(failed); }, DEBOUNCE_MS);
  }

  function searchNow() {
    window.clearTimeout(timer);
    run().catch(failed);
  }

  /* Keyboard: arrows move between the box and the result titles, Escape clears. */
  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var links = Array.prototype.slice.call(list.querySelectorAll("a.search-result-link"));
    var index = links.indexOf(doc.activeElement);
    var inBox = doc.activeElement === box;
    if (event.key === "ArrowDown" && (inBox || index >= 0)) {
      var next = links[index + 1];
      if (next) {
        event.preventDefault();
        next.focus();
      }
    } else if (event.key === "ArrowUp" && index >= 0) {
      event.preventDefault();
      (index > 0 ? links[index - 1] : box).focus();
    } else if (event.key === "Escape" && (inBox || index >= 0)) {
      event.preventDefault();
      box.value = "";
      box.focus();
      searchNow();
    }
  }

  async function init() {
    var state = urlState();
    box.value = state.q;
    sortSelect.value = state.sort;
    statusLine.textContent = "Loading the search index\u2026";
    try {
      /* pagefind/shards.json names the shards: bundles in pagefind/<name>/, searched
         together (Pagefind's mergeIndex), each with a "shard" filter of its name. */
      var manifestUrl = root.getAttribute("data-pagefind");
      var bundles = manifestUrl.replace(/[^\/]*$/, "");
      var response = await fetch(manifestUrl);
      if (!response.ok) throw new Error("no search index");
      shardNames = Object.keys((await response.json()).shards).sort(function (a, b) { return a - b; });
      pagefind = await import(bundles + shardNames[0] + "/pagefind.js");
      var several = shardNames.length > 1;
      await pagefind.options(several ? { baseUrl: base, mergeFilter: { shard: shardNames[0] } } : { baseUrl: base });
      for (var i = 1; i < shardNames.length; i++) {
        await pagefind.mergeIndex(bundles + shardNames[i] + "/", { baseUrl: base, mergeFilter: { shard: shardNames[i] } });
      }
      totals = await pagefind.filters();
    } catch (error) {
      statusLine.textContent = "The search index could not be loaded. It is built by sitegen build; " +
        "until then, browse the topic index.";
      return;
    }
    buildFacets(state.filters);
    if (keys) keys.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      searchNow();
    });
    box.addEventListener("input", schedule);
    facetsBox.addEventListener("change", searchNow);
    more.addEventListener("click", function () { showMore(true).catch(failed); });
    root.addEventListener("keydown", onKey);
    /* Shown once the first results and counts are in: appearing whole, it moves
       nothing (counts that hide facet values would, on phones, move the results). */
    try {
      await run();
    } finally {
      layout.hidden = false;
    }
  }

  init().catch(failed);
})();
