// The wallboard's queue lines: each push (live.js's "vero:board" event) swaps their figures,
// colours (data-state, data-level: the CSS adds the colour, the text says it too), the service-
// level charts' points and the alert list. The server formats and judges everything; when the
// board's shape changes (a queue's first contact, a line that now breaches and moves up), the
// page is reloaded instead of rebuilt here.
(() => {
  "use strict";
  const root = document.querySelector(".wallboard[data-live]");
  if (!root) return;
  const SVG = "http://www.w3.org/2000/svg";

  function fill(element, values) {
    element.querySelectorAll("[data-field]").forEach((cell) => {
      const value = values[cell.dataset.field];
      if (value !== undefined) cell.textContent = value === null ? "" : String(value);
    });
  }

  function showChart(figure, chart) {
    figure.querySelector("[data-trace]").setAttribute("points", chart.polyline);
    const target = figure.querySelector("[data-target]");
    target.setAttribute("y1", chart.target_y);
    target.setAttribute("y2", chart.target_y);
    const now = figure.querySelector("[data-now]");
    now.setAttribute("x1", chart.now_x);
    now.setAttribute("x2", chart.now_x);
    // a dot is a line of no length with round caps: round at any width of the stretched chart
    figure.querySelector("[data-points]").replaceChildren(...chart.points.map((p) => {
      const dot = document.createElementNS(SVG, "line");
      const title = document.createElementNS(SVG, "title");
      for (const [name, value] of [["x1", p.x], ["x2", p.x], ["y1", p.y], ["y2", p.y]]) {
        dot.setAttribute(name, value);
      }
      dot.setAttribute("class", "dot");
      dot.dataset.verdict = p.verdict;
      title.textContent = p.title;
      dot.append(title);
      return dot;
    }));
    fill(figure, {chart_start: chart.start, chart_end: chart.end, target_percent: chart.target_text});
  }

  function showLine(element, line) {
    fill(element, line);
    element.dataset.state = line.state;
    element.querySelector(".sl").dataset.verdict = line.verdict;
    const levels = {waiting: line.wait_level, longest: line.wait_level, ready: line.ready_level};
    for (const [metric, level] of Object.entries(levels)) {
      element.querySelector(`[data-metric="${metric}"]`).dataset.level = level;
    }
    showChart(element.querySelector(".chart"), line.chart);
  }

  function showAlerts(alerts) {
    const box = root.querySelector("[data-alerts]");
    box.dataset.count = alerts.length;
    fill(box, {count: alerts.length});
    box.querySelector("[data-when-none]").hidden = alerts.length > 0;
    box.querySelector("[data-alert-list]").replaceChildren(...alerts.map((a) => {
      const item = document.createElement("li");
      const title = document.createElement("strong");
      const since = document.createElement("span");
      item.dataset.alert = a.line;
      title.textContent = a.title;
      since.className = "since";
      since.textContent = a.since_text;
      item.append(title, ` · ${a.reasons_text} `, since);
      return item;
    }));
  }

  root.addEventListener("vero:board", (event) => {
    const board = event.detail;
    if (board.layout !== root.dataset.layout) { location.reload(); return; }
    for (const q of board.queues) {
      const article = root.querySelector(`article[data-queue="${CSS.escape(q.id)}"]`);
      if (!article) continue;  // a quiet queue: named in the compact line
      article.dataset.state = q.state;
      fill(article.querySelector(".queue-head"), q);
      for (const line of q.lines) {
        showLine(article.querySelector(`[data-line="${CSS.escape(line.channel)}"]`), line);
      }
    }
    showAlerts(board.alerts);
    const quiet = root.querySelector("[data-quiet]");
    fill(quiet, board.quiet);
    quiet.hidden = board.quiet.count === 0;
  });
})();
