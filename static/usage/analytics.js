/* Draws the admin analytics charts from the page's #analytics-data (the same numbers as its tables). */
(function () {
  "use strict";
  var source = document.getElementById("analytics-data");
  if (!source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var BLUE = "#2563eb", GREEN = "#16a34a", AMBER = "#d97706", RED = "#dc2626";
  var PALETTE = [BLUE, GREEN, AMBER, RED, "#7c3aed", "#0891b2", "#db2777", "#65a30d", "#475569"];
  Chart.defaults.animation = false; // drawn at once: nothing to wait for, and screenshots are complete
  Chart.defaults.maintainAspectRatio = false;

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) new Chart(canvas, config);
  }
  function axes(extra) {
    return Object.assign({ x: { ticks: { maxRotation: 0, autoSkip: true } }, y: { beginAtZero: true } }, extra || {});
  }
  var days = data.days.map(function (day) { return day.slice(5); }); // MM-DD: the range is in the form

  draw("chart-dollars", {
    type: "bar",
    data: { labels: days, datasets: [{ label: "Dollars", data: data.dollars, backgroundColor: BLUE }] },
    options: { scales: axes(), plugins: { legend: { display: false } } },
  });
  draw("chart-tokens", {
    type: "line",
    data: { labels: days, datasets: [{ label: "Tokens", data: data.tokens, borderColor: GREEN, backgroundColor: GREEN, tension: 0.2 }] },
    options: { scales: axes(), plugins: { legend: { display: false } } },
  });
  draw("chart-sessions", {
    type: "bar",
    data: {
      labels: days,
      datasets: [
        { label: "Sessions", data: data.sessions, backgroundColor: AMBER, yAxisID: "y" },
        { label: "Minutes", data: data.minutes, type: "line", borderColor: BLUE, backgroundColor: BLUE, yAxisID: "minutes" },
      ],
    },
    options: { scales: axes({ minutes: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } } }) },
  });
  draw("chart-reasons", {
    type: "doughnut",
    data: {
      labels: data.reasons.map(function (row) { return row[0]; }),
      datasets: [{ data: data.reasons.map(function (row) { return row[1]; }), backgroundColor: PALETTE }],
    },
    options: { plugins: { legend: { position: "right" } } },
  });
  draw("chart-tools", {
    type: "bar",
    data: {
      labels: data.tools.map(function (row) { return row.tool; }),
      datasets: [
        { label: "Calls", data: data.tools.map(function (row) { return row.calls; }), backgroundColor: BLUE },
        { label: "Errors", data: data.tools.map(function (row) { return row.errors; }), backgroundColor: RED },
      ],
    },
    options: { indexAxis: "y", scales: { x: { beginAtZero: true } } },
  });
})();
