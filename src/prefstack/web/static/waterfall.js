/* The waterfall explorer: moving the slider (or typing an exit value, or choosing a date) asks the
   service's waterfall (GET /api/companies/{company}/waterfall, the JSON of `prefstack waterfall`),
   debounced, and redraws the chart (SVG) and the tables. On load and when the date changes it asks
   the breakpoints (GET .../breakpoints, the JSON of `prefstack breakpoints`) and shows them as the
   slider's ticks (its <datalist>) and as a list of buttons, each setting the exit value to one. Amounts are the JSON's strings, exact to
   the cent; sums by class are made in whole cents (BigInt), never in floating point. The bars'
   lengths are the only floating-point numbers (for drawing). prefstack's own script: no library. */
(function () {
  "use strict";
  var form = document.getElementById("waterfall-form");
  if (!form) { return; }
  var slider = document.getElementById("exit-slider");
  var field = document.getElementById("exit-value");
  var date = document.getElementById("exit-date");
  var chart = document.getElementById("waterfall-chart");
  var classes = document.querySelector("#waterfall-classes tbody");
  var holders = document.querySelector("#waterfall-holders tbody");
  var total = document.getElementById("waterfall-total");
  var slot = document.getElementById("waterfall-problem-slot");
  var csv = document.getElementById("waterfall-csv");
  var pdf = document.getElementById("waterfall-pdf");
  var breakpoints = document.getElementById("waterfall-breakpoints");
  var bpList = document.getElementById("waterfall-breakpoint-list");
  var bpTicks = document.getElementById("exit-breakpoints");
  var bpMarks = document.getElementById("exit-marks");
  var bpSlot = document.getElementById("waterfall-breakpoints-problem-slot");
  var bpOn = document.getElementById("breakpoints-on");
  var bpOnText = document.getElementById("breakpoints-on-text");
  var bpAsked = 0;
  var SVG = "http://www.w3.org/2000/svg";
  var timer = null;
  var asked = 0;

  function cents(text) {
    var negative = text.charAt(0) === "-";
    var parts = (negative ? text.slice(1) : text).split(".");
    var value = BigInt(parts[0]) * 100n + BigInt(((parts[1] || "") + "00").slice(0, 2));
    return negative ? -value : value;
  }
  function dollars(c) {
    var negative = c < 0n;
    var a = negative ? -c : c;
    var whole = (a / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var part = (a % 100n).toString().padStart(2, "0");
    return (negative ? "-$" : "$") + whole + "." + part;
  }
  function cell(row, text, header, value) {
    var c = document.createElement(header ? "th" : "td");
    if (header) { c.scope = "row"; }
    c.textContent = text;
    if (value !== undefined) { c.dataset.value = value; c.className = "num"; }
    row.appendChild(c);
  }
  function byClass(payouts) {
    var order = [], sums = {}, clauses = {};
    payouts.forEach(function (p) {
      if (!(p.security in sums)) { order.push(p.security); sums[p.security] = 0n; clauses[p.security] = []; }
      sums[p.security] += cents(p.amount);
      if (clauses[p.security].indexOf(p.clause) < 0) { clauses[p.security].push(p.clause); }
    });
    return order.map(function (k) { return { security: k, cents: sums[k], clause: clauses[k].join(", ") }; });
  }
  function twoPlaces(c) {
    var negative = c < 0n, a = negative ? -c : c;
    return (negative ? "-" : "") + (a / 100n).toString() + "." + (a % 100n).toString().padStart(2, "0");
  }
  function bars(rows) {
    while (chart.lastChild && chart.lastChild.nodeName !== "desc") { chart.removeChild(chart.lastChild); }
    var top = 0n;
    rows.forEach(function (r) { if (r.kind !== "heading" && r.cents > top) { top = r.cents; } });
    var height = 24, gap = 6, labelWidth = 190, width = 640;
    rows.forEach(function (r, i) {
      var y = i * (height + gap);
      if (r.kind === "heading") {  /* a tier's name above its holders' bars */
        var heading = document.createElementNS(SVG, "text");
        heading.setAttribute("x", "0");
        heading.setAttribute("y", String(y + height * 0.7));
        heading.setAttribute("class", "bar-heading");
        heading.textContent = r.label;
        chart.appendChild(heading);
        return;
      }
      var share = top > 0n ? Number((r.cents * 10000n) / top) / 10000 : 0;
      var bar = document.createElementNS(SVG, "rect");
      bar.setAttribute("x", String(labelWidth));
      bar.setAttribute("y", String(y));
      bar.setAttribute("height", String(height));
      bar.setAttribute("width", String(Math.max(share * (width - labelWidth - 120), 1)));
      bar.setAttribute("class", r.kind === "class" ? "bar-class" : "bar-holder");
      bar.dataset.cents = r.cents.toString();
      bar.dataset.label = r.key || r.label;
      var label = document.createElementNS(SVG, "text");
      label.setAttribute("x", "0");
      label.setAttribute("y", String(y + height * 0.7));
      label.setAttribute("class", "bar-label");
      label.textContent = r.label.length > 30 ? r.label.slice(0, 29) + "…" : r.label;
      var amount = document.createElementNS(SVG, "text");
      amount.setAttribute("x", String(labelWidth + Math.max(share * (width - labelWidth - 120), 1) + 6));
      amount.setAttribute("y", String(y + height * 0.7));
      amount.setAttribute("class", "bar-label");
      amount.textContent = dollars(r.cents);
      chart.appendChild(bar); chart.appendChild(label); chart.appendChild(amount);
    });
    var h = Math.max(rows.length * (height + gap), 40);
    chart.setAttribute("viewBox", "0 0 " + width + " " + h);
    chart.removeAttribute("height");
  }
  function breakpointItem(b, i) {
    /* One breakpoint as the page renders it: a button setting the exit value to it, its reason and clause. */
    var item = document.createElement("li");
    item.dataset.exitValue = b.exit_value;
    item.dataset.exact = b.exit_value_exact || b.exit_value;
    item.dataset.clause = b.clause;
    var button = document.createElement("button");
    button.type = "submit"; button.className = "breakpoint"; button.name = "proceeds"; button.value = b.exit_value;
    button.id = "breakpoint-" + i; button.dataset.testid = "breakpoint-" + i;
    button.setAttribute("aria-describedby", "breakpoint-" + i + "-reason");
    button.textContent = dollars(cents(b.exit_value));
    var reason = document.createElement("span");
    reason.className = "reason"; reason.id = "breakpoint-" + i + "-reason"; reason.textContent = b.reason;
    var cite = document.createElement("span");
    cite.className = "cite"; cite.textContent = "(" + b.clause + ")";
    item.appendChild(button); item.appendChild(document.createTextNode(" "));
    item.appendChild(reason); item.appendChild(document.createTextNode(" ")); item.appendChild(cite);
    return item;
  }
  function drawBreakpoints(answer) {
    /* GET .../breakpoints?on=D (the JSON of `prefstack breakpoints`): the list and the slider's ticks. */
    bpList.textContent = "";
    bpTicks.textContent = "";
    bpMarks.textContent = "";
    var top = cents(slider.max);
    answer.breakpoints.forEach(function (b, i) {
      bpList.appendChild(breakpointItem(b, i));
      var tick = document.createElement("option");
      tick.value = b.exit_value; tick.label = dollars(cents(b.exit_value));
      bpTicks.appendChild(tick);
      var at = cents(b.exit_value);
      if (top > 0n && at <= top) {  /* a mark under the slider: drawing only, 0 to 1000 across it */
        var x = (Number((at * 10000n) / top) / 10).toFixed(1);
        var mark = document.createElementNS(SVG, "line");
        mark.setAttribute("class", "mark"); mark.setAttribute("x1", x); mark.setAttribute("x2", x);
        mark.setAttribute("y1", "0"); mark.setAttribute("y2", "12"); mark.dataset.exitValue = b.exit_value;
        bpMarks.appendChild(mark);
      }
    });
    bpOn.value = answer.on;
    bpOnText.textContent = answer.on;
    bpSlot.textContent = "";
    breakpoints.dataset.on = answer.on;
  }
  function breakpointsRefused(body) {
    /* The breakpoints of another date are not kept beside a date they are not of. */
    bpList.textContent = "";
    bpTicks.textContent = "";
    bpMarks.textContent = "";
    delete breakpoints.dataset.on;
    bpSlot.textContent = "";
    var p = document.createElement("p");
    p.className = "problem"; p.id = "waterfall-breakpoints-problem"; p.setAttribute("role", "alert");
    p.dataset.testid = "waterfall-breakpoints-problem";
    p.textContent = (body && body.problem ? body.problem : "The service refused the breakpoints.") +
      (body && body.field ? " (field " + body.field + (body.clause ? ", " + body.clause : "") + ")" : "");
    bpSlot.appendChild(p);
  }
  function askBreakpoints() {
    var mine = ++bpAsked;
    var url = breakpoints.dataset.api + "?on=" + encodeURIComponent(date.value);
    breakpoints.setAttribute("aria-busy", "true");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }, function () { return { ok: false, body: null }; }); })
      .then(function (got) {
        if (mine !== bpAsked) { return; }
        breakpoints.removeAttribute("aria-busy");
        if (got.ok) { drawBreakpoints(got.body); } else { breakpointsRefused(got.body); }
      }, function () { if (mine === bpAsked) { breakpoints.removeAttribute("aria-busy"); breakpointsRefused(null); } });
  }
  function choose(value) {
    /* A breakpoint's button: the field takes its exit value (to the cent, as the JSON shows it), the
       slider the nearest of its steps, and the waterfall is asked at once. */
    if (timer !== null) { clearTimeout(timer); timer = null; }
    field.value = value;
    slider.value = value;
    ask();
  }
  function show(answer) {
    var groups = byClass(answer.payouts);
    classes.textContent = "";
    groups.forEach(function (g) {
      var row = document.createElement("tr");
      cell(row, g.security, true); cell(row, dollars(g.cents), false, twoPlaces(g.cents)); cell(row, g.clause, false);
      classes.appendChild(row);
    });
    holders.textContent = "";
    answer.payouts.forEach(function (p) {
      var row = document.createElement("tr");
      cell(row, p.tier, false); cell(row, p.security, false); cell(row, p.holder, true);
      cell(row, dollars(cents(p.amount)), false, p.amount); cell(row, p.clause, false);
      holders.appendChild(row);
    });
    total.textContent = "Total paid: " + dollars(cents(answer.total_paid)) + " of " + dollars(cents(answer.proceeds));
    var rows = groups.map(function (g) { return { label: "Class " + g.security, cents: g.cents, kind: "class" }; });
    var tier = null;
    answer.payouts.forEach(function (p) {
      if (p.tier !== tier) { tier = p.tier; rows.push({ label: tier, kind: "heading" }); }
      rows.push({
        label: p.security + " · " + p.holder, key: p.tier + " · " + p.security + " · " + p.holder,
        cents: cents(p.amount), kind: "holder"
      });
    });
    bars(rows);
    var query = "?proceeds=" + encodeURIComponent(field.value) + "&on=" + encodeURIComponent(date.value);
    csv.href = form.dataset.csv + query;
    pdf.href = form.dataset.pdf + query;
    slot.textContent = "";
  }
  function refused(body) {
    slot.textContent = "";
    var p = document.createElement("p");
    p.className = "problem"; p.id = "waterfall-problem"; p.setAttribute("role", "alert"); p.dataset.testid = "waterfall-problem";
    p.textContent = (body && body.problem ? body.problem : "The service refused the question.") +
      (body && body.field ? " (field " + body.field + (body.clause ? ", " + body.clause : "") + ")" : "");
    slot.appendChild(p);
    field.setAttribute("aria-invalid", "true");
  }
  function ask() {
    var mine = ++asked;
    field.removeAttribute("aria-invalid");
    var url = form.dataset.api + "?proceeds=" + encodeURIComponent(field.value) + "&on=" + encodeURIComponent(date.value);
    form.setAttribute("aria-busy", "true");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }, function () { return { ok: false, body: null }; }); })
      .then(function (got) {
        if (mine !== asked) { return; }
        form.removeAttribute("aria-busy");
        if (got.ok) { show(got.body); } else { refused(got.body); }
      }, function () { if (mine === asked) { form.removeAttribute("aria-busy"); refused(null); } });
  }
  function later() {
    if (timer !== null) { clearTimeout(timer); }
    timer = setTimeout(ask, 250);
  }
  slider.addEventListener("input", function () { field.value = slider.value; later(); });
  field.addEventListener("input", function () { if (/^\d+$/.test(field.value)) { slider.value = field.value; } later(); });
  date.addEventListener("change", function () { later(); askBreakpoints(); });
  form.addEventListener("submit", function (e) { e.preventDefault(); ask(); });
  bpList.addEventListener("click", function (e) {
    var button = e.target.closest("button.breakpoint");
    if (!button) { return; }
    e.preventDefault();
    choose(button.value);
  });
  document.body.dataset.waterfallReady = "true";
  if (field.value) { ask(); }
  if (date.value) { askBreakpoints(); }
})();
