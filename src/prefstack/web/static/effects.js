// The ledger timeline: each event's effect on the figures, loaded when its disclosure is opened
// (GET /api/companies/{c}/events/{seq}/effect), once; nothing is asked when the page loads.
"use strict";

(function () {
  function cell(row, text, cls) {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }

  function show(box, answer) {
    const out = box.querySelector(".effect-body");
    out.textContent = "";
    if (answer.changes.length === 0) {
      const p = document.createElement("p");
      p.textContent = "No figure of the " + answer.effective_date + " state changed.";
      p.setAttribute("data-testid", "effect-" + answer.seq + "-none");
      out.appendChild(p);
      return;
    }
    const table = document.createElement("table");
    table.className = "figures";
    table.setAttribute("data-testid", "effect-" + answer.seq + "-table");
    const caption = document.createElement("caption");
    caption.textContent = "The state on " + answer.effective_date + " before (version " + answer.version_before +
      ") and after (version " + answer.version_after + ") this event was recorded";
    table.appendChild(caption);
    const head = document.createElement("tr");
    for (const h of ["Series", "Holder", "Figure", "Before", "After", "Difference", "Clause"]) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = h;
      head.appendChild(th);
    }
    const thead = document.createElement("thead");
    thead.appendChild(head);
    table.appendChild(thead);
    const body = document.createElement("tbody");
    for (const c of answer.changes) {
      const row = document.createElement("tr");
      row.setAttribute("data-testid", "effect-" + answer.seq + "-" + c.series + "-" + c.holder + "-" + c.figure);
      cell(row, c.series);
      cell(row, c.holder);
      cell(row, c.figure);
      for (const f of ["before", "after", "difference"]) {
        const td = cell(row, c[f], "num");
        td.setAttribute("data-value", c[f]);
        if (c[f + "_exact"]) td.setAttribute("data-exact", c[f + "_exact"]);
      }
      cell(row, c.clause, "cite");
      body.appendChild(row);
    }
    table.appendChild(body);
    const region = document.createElement("div");
    region.className = "scroll";
    region.tabIndex = 0;
    region.setAttribute("role", "region");
    region.setAttribute("aria-label", "Effect of event " + answer.seq);
    region.appendChild(table);
    out.appendChild(region);
  }

  function load(box) {
    if (box.dataset.loaded === "true" || box.dataset.loading === "true") return;
    box.dataset.loading = "true";
    const out = box.querySelector(".effect-body");
    out.textContent = "Loading…";
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().then(function (body) { return { ok: r.ok, body: body }; });
      })
      .then(function (got) {
        if (!got.ok) {
          out.textContent = (got.body.field || "") + " (" + (got.body.clause || "") + "): " + (got.body.problem || "refused");
          out.className = "effect-body problem";
          return;
        }
        show(box, got.body);
        box.dataset.loaded = "true";
      })
      .catch(function () { out.textContent = "The effect could not be loaded."; })
      .finally(function () { box.dataset.loading = "false"; });
  }

  for (const box of document.querySelectorAll("details.effect[data-url]")) {
    box.addEventListener("toggle", function () { if (box.open) load(box); });
  }
  document.body.dataset.effectsReady = "true";
})();
