// Site-wide behaviour (no inline scripts: the CSP allows only 'self').
// 1. <form data-confirm="问题">: asks before a destructive action is sent.
// 2. The menu button on a phone opens and closes the main menu.
// 3. <input type=file data-max-bytes="N" data-too-large="message">: a file above the limit is refused before it is sent.
// 4. A page that comes back with errors puts the cursor in the first field in error (aria-invalid="true", which
//    Django sets on an invalid field) and scrolls it into view; without one, the first error message's field or
//    the message itself. The same inside a fragment htmx swaps in (a form answered with its errors).
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
  var MESSAGES = '.error[role="alert"], .field-error[role="alert"], .errorlist[role="alert"], .msg-error[role="alert"]';
  function focusable(el) {
    return el && !el.disabled && el.type !== "hidden" && el.getClientRects().length > 0;
  }
  // An error message that answers a submission: inside the form, or just above it (the page's standing notices,
  // such as a returned application's reason, are not submissions' answers and take no focus).
  function answersAForm(message) {
    if (message.closest("form")) { return true; }
    var next = message.nextElementSibling;
    while (next && next.matches(MESSAGES)) { next = next.nextElementSibling; }
    return Boolean(next && (next.tagName === "FORM" || next.querySelector("form")));
  }
  function focusFirstError(root) {
    var target = null;
    var invalid = root.querySelectorAll('[aria-invalid="true"]');
    for (var i = 0; i < invalid.length && !target; i++) { if (focusable(invalid[i])) { target = invalid[i]; } }
    if (!target) {
      var message = Array.prototype.find.call(root.querySelectorAll(MESSAGES), answersAForm);
      if (!message) { return; }
      var label = message.closest("label");
      target = label && focusable(label.control) ? label.control : message;
      if (target === message && !message.hasAttribute("tabindex")) { message.setAttribute("tabindex", "-1"); }
    }
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: "center" });
  }
  focusFirstError(document);
  document.addEventListener("htmx:afterSwap", function (event) {
    var root = event.detail && event.detail.target;
    if (root && !root.isConnected) { root = document; }  // an outerHTML swap replaced the target
    if (root && root.querySelector && root.querySelector('[aria-invalid="true"], ' + MESSAGES)) { focusFirstError(root); }
  });
}());
