// 科普大屏: plays the latest items of the screen's playlist in a loop (title, summary, first image). Every
// data-refresh seconds it fetches the playlist's feeds again (data-feeds: one address per topic, with the
// screen's region), so an item retracted on the platform leaves the screen within a minute; it posts a heartbeat
// with the screen's key (X-Screen-Key) on load and at every refresh. No framework.
(function () {
  "use strict";
  var root = document.getElementById("screen");
  if (!root) { return; }
  var feeds = (root.getAttribute("data-feeds") || "").split(" ").filter(Boolean);
  var key = root.getAttribute("data-key") || "";
  var beatUrl = root.getAttribute("data-heartbeat-url");
  var refresh = (parseInt(root.getAttribute("data-refresh"), 10) || 60) * 1000;
  var slide = (parseInt(root.getAttribute("data-slide"), 10) || 15) * 1000;
  var title = document.getElementById("screen-title");
  var summary = document.getElementById("screen-summary");
  var image = document.getElementById("screen-image");
  var count = document.getElementById("screen-count");
  var clock = document.getElementById("screen-clock");
  var items = [];
  var index = 0;

  function text(value) { return typeof value === "string" ? value : ""; }

  // One feed entry (JSON Feed 1.1; the first image in the feed's _kepu extension) → what the screen shows.
  function entry(raw) {
    var extra = raw._kepu || {};
    var img = text(extra.image) || text(raw.image) || text(raw.banner_image);
    if (!img && Array.isArray(raw.attachments)) {
      raw.attachments.some(function (a) {
        if (a && /^image\//.test(text(a.mime_type))) { img = text(a.url); return true; }
        return false;
      });
    }
    return { id: String(raw.id || raw.url || raw.title), title: text(raw.title),
      summary: text(raw.summary) || text(raw.content_text).slice(0, 160), image: img,
      date: text(raw.date_published) || text(raw.published_at) };
  }

  function show() {
    if (!items.length) {
      title.textContent = root.getAttribute("data-empty");
      summary.textContent = "";
      image.hidden = true;
      count.textContent = "";
      return;
    }
    index = index % items.length;
    var it = items[index];
    title.textContent = it.title;
    summary.textContent = it.summary;
    if (it.image) { image.src = it.image; image.hidden = false; } else { image.hidden = true; image.removeAttribute("src"); }
    count.textContent = (index + 1) + " / " + items.length;
  }

  function load() {
    return Promise.all(feeds.map(function (url) {
      return fetch(url, { credentials: "omit", cache: "no-store" }).then(function (r) {
        if (!r.ok) { throw new Error(String(r.status)); }
        return r.json();
      });
    })).then(function (answers) {
      var seen = {};
      var merged = [];
      answers.forEach(function (data) {
        (data && Array.isArray(data.items) ? data.items : []).forEach(function (raw) {
          var it = entry(raw);
          if (it.title && !seen[it.id]) { seen[it.id] = true; merged.push(it); }
        });
      });
      merged.sort(function (a, b) { return a.date < b.date ? 1 : (a.date > b.date ? -1 : 0); });
      var current = items[index] && items[index].id;
      items = merged;
      var keep = items.findIndex(function (it) { return it.id === current; });
      index = keep >= 0 ? keep : 0;
      show();
    }).catch(function () { /* keep playing what we have; the next refresh tries again */ });
  }

  function beat() {
    if (!beatUrl || !key) { return; }
    fetch(beatUrl, { method: "POST", credentials: "omit", headers: { "X-Screen-Key": key } }).catch(function () {});
  }

  function tick() {
    var now = new Date();
    clock.textContent = now.toLocaleString(document.documentElement.lang || "zh-CN",
      { month: "long", day: "numeric", hour: "2-digit", minute: "2-digit" });
  }

  load();
  beat();
  tick();
  setInterval(function () { load(); beat(); }, refresh);
  setInterval(function () { if (items.length > 1) { index += 1; show(); } }, slide);
  setInterval(tick, 30000);
}());
