// The item page: one line chart per indicator — its targets, the time-proportional target
// (序时进度) and the reported values by period. The numbers come from json_script
// (#item-chart-data); the same numbers are in a table under each chart. No inline script, so
// the page keeps its strict CSP. Lines differ by dash and point shape as well as colour.
(function () {
  "use strict";

  var source = document.getElementById("item-chart-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var texts = data.texts || {};
  var styles = getComputedStyle(document.documentElement);
  function colour(name, fallback) {
    var value = styles.getPropertyValue(name).trim();
    return value || fallback;
  }
  var red = colour("--red", "#a61b1b");
  var blue = colour("--blue", "#1d4f91");
  var grey = colour("--grey", "#52606d");

  function format(value) {
    if (value === null || value === undefined) {
      return "—";
    }
    return Number(value).toLocaleString(document.documentElement.lang || undefined, {
      maximumFractionDigits: 2,
    });
  }

  data.charts.forEach(function (chart) {
    var canvas = document.getElementById(chart.id);
    if (!canvas) {
      return;
    }
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: chart.labels,
        datasets: [
          {
            label: texts.expected,
            data: chart.expected,
            borderColor: blue,
            backgroundColor: blue,
            borderDash: [6, 4],
            borderWidth: 2,
            pointRadius: 0,
            spanGaps: true,
          },
          {
            label: texts.target,
            data: chart.target,
            borderColor: grey,
            backgroundColor: grey,
            showLine: false,
            pointStyle: "rectRot",
            pointRadius: 6,
            pointHoverRadius: 8,
          },
          {
            label: texts.actual,
            data: chart.actual,
            borderColor: red,
            backgroundColor: red,
            borderWidth: 3,
            pointStyle: "circle",
            pointRadius: 4,
            spanGaps: true,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          y: { beginAtZero: true, ticks: { callback: format } },
        },
        plugins: {
          legend: { position: "bottom", labels: { usePointStyle: true } },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                return ctx.dataset.label + ": " + format(ctx.parsed.y);
              },
            },
          },
        },
      },
    });
  });
})();
