// Draws the summary charts from the JSON the page embeds (#chart-data). Hidden (suppressed)
// values arrive as null and are left as gaps.
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var locale = document.documentElement.lang || "vi";
  var format = new Intl.NumberFormat(locale);
  var colour = "#5b2a86";

  function draw(id, type, points, label) {
    var canvas = document.getElementById(id);
    if (!canvas || !points.length) { return; }
    new Chart(canvas, {
      type: type,
      data: {
        labels: points.map(function (p) { return p[0]; }),
        datasets: [{
          label: label + " (" + data.unit + ")",
          data: points.map(function (p) { return p[1]; }),
          borderColor: colour,
          backgroundColor: type === "bar" ? "rgba(91, 42, 134, 0.6)" : colour,
          spanGaps: false
        }]
      },
      options: {
        animation: false,
        responsive: true,
        scales: { y: { beginAtZero: true, ticks: { callback: function (v) { return format.format(v); } } } },
        plugins: { legend: { display: true } }
      }
    });
  }

  draw("chart-over-time", "line", data.over_time, data.labels.over_time);
  draw("chart-by-province", "bar", data.by_province, data.labels.by_province);
})();
