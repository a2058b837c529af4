// Site-wide behaviour (no inline scripts: the CSP allows only 'self').
// 1. <form data-confirm="问题">: asks before a destructive action is sent.
// 2. The menu button on a phone opens and closes the main menu.
// 3. <input type=file data-max-bytes="N" data-too-large="message">: a file above the limit is refused before it is sent.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    var submitter = event.submitter;
    if (submitter && submitter.getAttribute("data-confirm")) { question = submitter.getAttribute("data-confirm"); }
    if (question && !window.confirm(question)) { event.preventDefault(); }
  }, true);
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-menu-toggle]");
    if (!button) { return; }
    var menu = document.getElementById(button.getAttribute("aria-controls"));
    if (!menu) { return; }
    var open = menu.classList.toggle("open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
  document.addEventListener("change", function (event) {
    var input = event.target;
    var limit = input && input.getAttribute && Number(input.getAttribute("data-max-bytes"));
    if (!limit || !input.files) { return; }
    var big = Array.prototype.some.call(input.files, function (f) { return f.size > limit; });
    input.setCustomValidity(big ? input.getAttribute("data-too-large") : "");
    if (big) { input.reportValidity(); }
  });
}());
