// 科普信息员: the "复制链接并记录分享" button copies the share link to the clipboard, then the form posts as usual
// (the share is recorded and the page says how many points it gave). Without JavaScript the link stays in the
// read-only field beside the button, to copy by hand.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var text = button.getAttribute("data-copy");
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).catch(function () {});
    } else {
      var field = button.form && button.form.querySelector("[data-share-url]");
      if (field) { field.select(); try { document.execCommand("copy"); } catch (e) { /* copy by hand */ } }
    }
  });
}());
