// The overview's two charts, drawn with the vendored Chart.js from the data that the page
// writes with json_script (id "chart-data"): the items by status, and the months of the year
// stacked by status. Every series is named with its symbol and its text (▼ 滞后), so the
// charts read without colour; the same numbers are in the figures and tables of the page.
// No inline styles or scripts: Chart.js sizes its canvas through the CSSOM, which CSP allows.
(function () {
  "use strict";

  var source = document.getElementById("chart-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);

  var css = window.getComputedStyle(document.documentElement);
  function cssColour(name, fallback) {
    var value = css.getPropertyValue(name).trim();
    return value || fallback;
  }
  // The traffic lights of app.css; completed is a darker green than on track, missing amber.
  var COLOURS = {
    on_track: cssColour("--green", "#1e7d3a"),
    ahead: cssColour("--blue", "#1d4f91"),
    lagging: cssColour("--red", "#a61b1b"),
    completed: "#0b4d22",
    not_started: cssColour("--grey", "#52606d"),
    missing: "#d08c00",
    submitted: "#0f5c63",
    pending: "#9aa5b1",
    unknown: "#7b5ea7"
  };

  function name(code) {
    var entry = data.labels[code] || { label: code, symbol: "" };
    return entry.symbol + " " + entry.label;
  }

  function goTo(url) {
    if (url) {
      window.location.assign(url);
    }
  }

  var statusCanvas = document.getElementById("status-chart");
  if (statusCanvas) {
    new window.Chart(statusCanvas, {
      type: "bar",
      data: {
        labels: data.statuses.map(function (s) { return name(s.code); }),
        datasets: [
          {
            label: data.texts.items,
            data: data.statuses.map(function (s) { return s.count; }),
            backgroundColor: data.statuses.map(function (s) { return COLOURS[s.code]; }),
            borderWidth: 0
          }
        ]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        // a click on a bar opens the item list of that status, as the figures do
        onClick: function (event, elements) {
          if (elements.length) {
            goTo(data.statuses[elements[0].index].url);
          }
        }
      }
    });
  }

  var trendCanvas = document.getElementById("trend-chart");
  if (trendCanvas) {
    var datasets = data.trend.map(function (series) {
      return {
        type: "bar",
        label: name(series.code),
        data: series.counts,
        backgroundColor: COLOURS[series.code],
        stack: "status"
      };
    });
    datasets.push({
      type: "line",
      label: "≠ " + data.texts.mismatch,
      data: data.mismatch,
      borderColor: "#1f2933",
      backgroundColor: "#1f2933",
      borderDash: [6, 4],
      pointStyle: "rectRot",
      pointRadius: 4
    });
    new window.Chart(trendCanvas, {
      data: { labels: data.months, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }
        }
      }
    });
  }
})();
