// eu-gateway console: live updates from /console/events (server-sent events), and small helpers.
// No framework: the pages are rendered by the server; this only patches what changed.
"use strict";

(function () {
  const body = document.body;
  const live = document.getElementById("live");

  function updateMessage(change) {
    document.querySelectorAll('[data-message-id="' + CSS.escape(change.message_id) + '"]').forEach(function (holder) {
      holder.querySelectorAll("[data-field]").forEach(function (cell) {
        const field = cell.getAttribute("data-field");
        const value = change[field] === null || change[field] === undefined ? "" : String(change[field]);
        if (cell.textContent !== value) {
          cell.textContent = value;
          if (field === "state") {
            cell.className = cell.className.replace(/state-\S+/, "state-" + value);
          }
        }
      });
    });
  }

  // On a message's page, a change of that message also changes its timeline and the
  // actions it allows: fetch the page again and swap those parts in (no reload).
  function refreshWatched(change) {
    if (body.getAttribute("data-watch") !== change.message_id) { return; }
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        const fresh = new DOMParser().parseFromString(html, "text/html");
        ["live-actions", "live-timeline"].forEach(function (id) {
          const part = fresh.getElementById(id);
          const shown = document.getElementById(id);
          if (part && shown) { shown.replaceChildren.apply(shown, Array.from(part.childNodes)); }
        });
      });
  }

  function updateCounts(data) {
    const table = document.getElementById("counts");
    if (!table) { return; }
    const states = Array.from(new Set(data.counts.map(function (c) { return c.state; })));
    const peers = Array.from(new Set(data.counts.map(function (c) { return c.peer; }))).sort();
    const head = document.createElement("tr");
    head.appendChild(cell("th", "peer"));
    states.forEach(function (s) { head.appendChild(cell("th", s)); });
    const rows = peers.map(function (peer) {
      const row = document.createElement("tr");
      row.appendChild(cell("th", peer));
      states.forEach(function (state) {
        const found = data.counts.find(function (c) { return c.peer === peer && c.state === state; });
        const td = cell("td", found ? String(found.count) : "·");
        td.className = "state-" + state;
        row.appendChild(td);
      });
      return row;
    });
    table.tHead.replaceChildren(head);
    table.tBodies[0].replaceChildren.apply(table.tBodies[0], rows);
  }

  function cell(kind, text) {
    const element = document.createElement(kind);
    element.textContent = text;
    return element;
  }

  function listen() {
    if (!live || !window.EventSource) { return; }
    const watch = body.getAttribute("data-watch");
    const source = new EventSource("/console/events" + (watch ? "?watch=" + encodeURIComponent(watch) : ""));
    source.addEventListener("open", function () { live.classList.add("on"); });
    source.addEventListener("error", function () { live.classList.remove("on"); });
    source.addEventListener("counts", function (event) { updateCounts(JSON.parse(event.data)); });
    source.addEventListener("message", function (event) {
      const change = JSON.parse(event.data);
      updateMessage(change);
      refreshWatched(change);
    });
  }

  // A board lays out the JSON an API route answers: lists of records as tables, other
  // objects as definition lists. Text only (textContent), never markup from the data.
  function laidOut(value) {
    if (Array.isArray(value)) {
      if (value.length === 0) { return cell("p", "None."); }
      if (value.every(function (item) { return item && typeof item === "object" && !Array.isArray(item); })) {
        const columns = Array.from(new Set(value.flatMap(Object.keys)));
        const table = document.createElement("table");
        const head = table.createTHead().insertRow();
        columns.forEach(function (name) { head.appendChild(cell("th", name)); });
        const rows = table.createTBody();
        value.forEach(function (item) {
          const row = rows.insertRow();
          columns.forEach(function (name) {
            const td = row.insertCell();
            const field = item[name];
            td.textContent = field === null || field === undefined ? "" :
              (typeof field === "object" ? JSON.stringify(field) : String(field));
          });
        });
        return table;
      }
      return cell("code", JSON.stringify(value));
    }
    if (value && typeof value === "object") {
      const list = document.createElement("dl");
      list.className = "facts";
      Object.keys(value).forEach(function (key) {
        list.appendChild(cell("dt", key));
        const dd = document.createElement("dd");
        dd.appendChild(laidOut(value[key]));
        list.appendChild(dd);
      });
      return list;
    }
    return cell("span", value === null ? "" : String(value));
  }

  const board = document.getElementById("board");
  if (board) {
    fetch(board.getAttribute("data-source"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (answer) {
        board.replaceChildren(answer.ok ? laidOut(answer.data) :
          cell("p", (answer.data.code || "") + " " + (answer.data.detail || "the API refused")));
      })
      .catch(function () { board.replaceChildren(cell("p", "The API did not answer.")); });
  }

  // "Select all" ticks every message of its own form (dead letters, the bulk actions).
  document.querySelectorAll("[data-select-all]").forEach(function (button) {
    button.addEventListener("click", function () {
      const form = button.closest("form");
      if (!form) { return; }
      form.querySelectorAll('input[name="message_id"]').forEach(function (box) { box.checked = true; });
    });
  });
  listen();
})();
