// Pickers (kexie/orgs/widgets.py, kexie/people/widgets.py; decision 0043): a suggestion chosen from a picker's
// list becomes a ticked box in a multi-value picker, or the hidden id of a single-value person picker. Without
// this script the typed text is resolved on submit.
(function () {
  function optionFor(input) {
    var list = input.list;
    if (!list) return null;
    for (var i = 0; i < list.options.length; i++) {
      var o = list.options[i];
      if (o.value === input.value && o.dataset.id) return o;
    }
    return null;
  }
  document.addEventListener("input", function (ev) {
    var input = ev.target;
    if (!(input instanceof HTMLInputElement) || !input.list) return;
    var multi = input.closest("[data-picker-multi]");
    var single = input.closest("[data-picker-single]");
    var option = optionFor(input);
    if (multi && option) {
      var name = multi.dataset.pickerMulti;
      var chips = multi.querySelector(".picker-chips");
      var exists = chips.querySelector('input[value="' + option.dataset.id + '"]');
      if (!exists) {
        var label = document.createElement("label");
        label.className = "picker-chip";
        var box = document.createElement("input");
        box.type = "checkbox"; box.name = name; box.value = option.dataset.id; box.checked = true;
        label.appendChild(box);
        label.appendChild(document.createTextNode(" " + option.value));
        chips.appendChild(label);
      }
      input.value = "";
    } else if (single) {
      var hidden = single.querySelector('input[type="hidden"]');
      if (hidden) hidden.value = option ? option.dataset.id : "";
    }
  });
  document.addEventListener("change", function (ev) {
    var box = ev.target;
    if (box instanceof HTMLInputElement && box.type === "checkbox" && !box.checked && box.closest(".picker-chips")) {
      box.closest(".picker-chip").remove();
    }
  });
})();
