// The reading beacon of a 科普 item page (kexie.kepu.effect): how long the page was read while visible and
// whether the end of the article was reached, sent with navigator.sendBeacon when the reader leaves or hides
// the page (visibilitychange / pagehide). Each beacon carries the seconds since the previous one and the end
// reached only once, so hiding and showing the page again never counts time twice.
//
//   <script src="{% static 'kepu/beacon.js' %}" data-item="{{ item.pk }}" defer></script>
//
// The end of the article is the element with data-kepu-end (or the end of <article>, else of <main>); a share
// button with data-kepu-share reports a share. No cookies are read here; the server names the reader.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !navigator.sendBeacon) { return; }
  var item = script.getAttribute("data-item");
  if (!item || !/^\d+$/.test(item)) { return; }
  var url = script.getAttribute("data-url") || "/kepu/beacon/";
  var channel = script.getAttribute("data-channel") || "";
  var region = script.getAttribute("data-region") || "";
  var visibleSince = document.visibilityState === "visible" ? Date.now() : null;
  var pendingMs = 0, reachedEnd = false, endSent = false, shared = false;

  function pause() {
    if (visibleSince !== null) { pendingMs += Date.now() - visibleSince; visibleSince = null; }
  }

  function send() {
    pause();
    var seconds = Math.min(Math.round(pendingMs / 1000), 4 * 3600);
    var completed = reachedEnd && !endSent;
    if (!seconds && !completed && !shared) { return; }
    var data = new URLSearchParams();
    data.set("item", item);
    data.set("seconds", String(seconds));
    data.set("completed", completed ? "1" : "0");
    data.set("shared", shared ? "1" : "0");
    if (channel) { data.set("channel", channel); }
    if (/^\d{6,12}$/.test(region)) { data.set("region", region); }
    if (navigator.sendBeacon(url, data)) {
      pendingMs = 0;
      endSent = endSent || completed;
      shared = false;
    }
  }

  function leave() {
    send();
    if (document.visibilityState === "visible") { visibleSince = Date.now(); }  // kept (back-forward cache)
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { send(); } else if (visibleSince === null) { visibleSince = Date.now(); }
  });
  window.addEventListener("pagehide", leave);

  function sentinel() {
    var marked = document.querySelector("[data-kepu-end]");
    if (marked) { return marked; }
    var box = document.querySelector("article") || document.querySelector("main");
    if (!box) { return null; }
    var end = document.createElement("span");
    end.setAttribute("aria-hidden", "true");
    end.setAttribute("data-kepu-end", "");
    box.appendChild(end);
    return end;
  }

  function watch() {
    var end = sentinel();
    if (!end || !("IntersectionObserver" in window)) { return; }
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) { reachedEnd = true; observer.disconnect(); }
      });
    });
    observer.observe(end);
  }

  document.addEventListener("click", function (event) {
    var target = event.target && event.target.closest ? event.target.closest("[data-kepu-share]") : null;
    if (target) { shared = true; }
  });

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", watch); } else { watch(); }
})();
