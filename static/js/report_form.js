// The progress form: a live "n / 100" under the completion text (a soft limit: it warns, it
// does not block), and a "required" mark on the explanation when the status is ahead or lagging.
(function () {
  "use strict";

  function characters(text) {
    return Array.from(text).length; // code points: one Chinese character counts one
  }

  document.querySelectorAll("[data-count-for]").forEach(function (counter) {
    var field = document.getElementById(counter.getAttribute("data-count-for"));
    var count = counter.querySelector("[data-count]");
    var over = counter.querySelector("[data-over]");
    var limit = parseInt(counter.getAttribute("data-limit"), 10) || 100;
    if (!field || !count) {
      return;
    }
    function update() {
      var n = characters(field.value);
      count.textContent = String(n);
      if (over) {
        over.hidden = n <= limit;
      }
    }
    field.addEventListener("input", update);
    update();
  });

  document.querySelectorAll("[data-required-when]").forEach(function (mark) {
    var select = document.getElementById(mark.getAttribute("data-required-when"));
    var statuses = (mark.getAttribute("data-statuses") || "").split(" ");
    if (!select) {
      return;
    }
    function update() {
      mark.hidden = statuses.indexOf(select.value) === -1;
    }
    select.addEventListener("change", update);
    update();
  });
})();
