// A call's application list, batch formal check: <input type="checkbox" data-check-all="ids"> ticks or clears
// every enabled checkbox named "ids" of the page (the boxes themselves work without this script).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target;
    var name = box && box.getAttribute && box.getAttribute("data-check-all");
    if (!name) { return; }
    document.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (other) {
      if (!other.disabled) { other.checked = box.checked; }
    });
  });
}());
