// The article body's small toolbar (kexie/templates/kepu/content/form.html): wraps the selection of the
// <textarea data-editor> in <strong>, <h3>, a list or a link, or inserts an uploaded image by its address.
// Without JavaScript the toolbar stays hidden and the body is typed as HTML; the server keeps only the
// article safelist either way (kexie/kepu/content/sanitize.py).
(function () {
  "use strict";
  function wrap(area, before, after, fallback) {
    var start = area.selectionStart, end = area.selectionEnd;
    var text = area.value.slice(start, end) || fallback || "";
    area.setRangeText(before + text + after, start, end, "end");
    area.focus();
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }
  function escapeAttr(value) {
    return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  }
  function list(area) {
    var start = area.selectionStart, end = area.selectionEnd;
    var lines = (area.value.slice(start, end) || "").split(/\n+/).filter(function (l) { return l.trim(); });
    if (!lines.length) { lines = [""]; }
    var html = "<ul>\n" + lines.map(function (l) { return "<li>" + l.trim() + "</li>"; }).join("\n") + "\n</ul>";
    area.setRangeText(html, start, end, "end");
    area.focus();
  }
  document.querySelectorAll(".editor-toolbar").forEach(function (bar) {
    var area = document.getElementById(bar.dataset.for);
    if (!area) { return; }
    bar.hidden = false;
    bar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-cmd]");
      if (!button) { return; }
      var cmd = button.dataset.cmd;
      if (cmd === "strong") { wrap(area, "<strong>", "</strong>"); }
      else if (cmd === "h3") { wrap(area, "<h3>", "</h3>\n"); }
      else if (cmd === "ul") { list(area); }
      else if (cmd === "link") {
        var url = window.prompt(button.dataset.prompt || "URL", "https://");
        if (url && /^(https?:\/\/|mailto:)/i.test(url)) { wrap(area, '<a href="' + escapeAttr(url) + '">', "</a>", url); }
      }
    });
    var picker = bar.querySelector("select[data-cmd=img]");
    if (picker) {
      picker.addEventListener("change", function () {
        if (!picker.value) { return; }
        var alt = picker.options[picker.selectedIndex].text;
        wrap(area, '<figure><img src="' + escapeAttr(picker.value) + '" alt="' + escapeAttr(alt) + '"><figcaption>' +
             alt.replace(/</g, "&lt;") + "</figcaption></figure>\n", "");
        picker.value = "";
      });
    }
  });
})();
