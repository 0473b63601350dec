// A background job's progress bar (templates/progress/jobs/status.html): polls the job's JSON
// progress once a second until it is finished, then shows the result link (or follows it when
// the page asks to, as the import's preview does) or the failure in words.
(function () {
  "use strict";

  function text(el, value) {
    if (el) {
      el.textContent = value;
    }
  }

  function show(el, visible) {
    if (el) {
      el.hidden = !visible;
    }
  }

  function watch(box) {
    var url = box.getAttribute("data-job-progress");
    var bar = box.querySelector("[data-job-bar]");

    function render(data) {
      box.setAttribute("data-state", data.state);
      text(box.querySelector("[data-job-state]"), data.state_label);
      text(box.querySelector("[data-job-stage]"), data.stage);
      if (bar) {
        bar.max = data.total || 1;
        bar.value = data.state === "done" ? bar.max : data.done;
        bar.textContent = data.percent + "%";
      }
      text(box.querySelector("[data-job-count]"), data.done + " / " + data.total);
      text(box.querySelector("[data-job-percent]"), data.percent + "%");
      text(box.querySelector("[data-job-elapsed]"), String(data.elapsed_s));
      show(box.querySelector("[data-job-stalled]"), data.stalled);
      show(box.querySelector("[data-job-error]"), data.state === "failed");
      text(box.querySelector("[data-job-error-text]"), data.error);
      var link = box.querySelector("[data-job-result-link]");
      var download = box.querySelector("[data-job-download]");
      if (data.finished) {
        if (data.state === "done" && data.result_url && box.getAttribute("data-follow") === "1") {
          window.location.assign(data.result_url);
          return;
        }
        if (link && data.result_url) {
          link.href = data.result_url;
          link.hidden = false;
        }
        if (download && data.download_url) {
          download.href = data.download_url;
          download.hidden = false;
        }
        show(box.querySelector("[data-job-result]"), true);
      }
    }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.json();
        })
        .then(function (data) {
          render(data);
          if (!data.finished) {
            window.setTimeout(poll, 1000);
          }
        })
        .catch(function () {
          window.setTimeout(poll, 3000);
        });
    }

    var state = box.getAttribute("data-state");
    if (state !== "done" && state !== "failed") {
      poll();
    } else if (state === "done" && box.getAttribute("data-follow") === "1") {
      poll();
    }
  }

  document.querySelectorAll("[data-job-progress]").forEach(watch);
})();
