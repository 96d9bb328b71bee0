// maitred host's screen: hold countdowns, the live feed and the "This changed — refresh" banner,
// and picking tables on the timeline. No framework: htmx swaps the server's HTML, this glues.
(() => {
  "use strict";

  const body = document.body;
  if (!body.classList.contains("day-page")) return;

  const state = {
    inFlight: 0,
    latest: 0, // the newest context version the live feed reported for this day
    venueChanged: false,
    stale: false,
    missed: false, // something changed while a booking was open
    refreshTimer: null,
  };

  // --- Hold countdowns: seconds left by the server's clock when the HTML was rendered. ---
  function stamp(root) {
    root.querySelectorAll("[data-seconds-left]").forEach((el) => {
      if (!el.dataset.t0) el.dataset.t0 = String(performance.now());
    });
  }

  function clockText(seconds) {
    const whole = Math.max(0, Math.floor(seconds));
    return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
  }

  function tick() {
    document.querySelectorAll("[data-seconds-left]").forEach((el) => {
      const elapsed = (performance.now() - Number(el.dataset.t0)) / 1000;
      const left = Number(el.dataset.secondsLeft) - elapsed;
      const text = left > 0 ? clockText(left) : "expired";
      if (el.textContent !== text) el.textContent = text;
      const holder = el.closest(".bar, .state-box, .waiting-item");
      if (holder) holder.classList.toggle("expired", left <= 0);
    });
  }

  // --- The day and the open booking. ---
  function dayQuery() {
    const query = new URLSearchParams({ date: body.dataset.date });
    if (body.dataset.service) query.set("service", body.dataset.service);
    return query;
  }

  function openBooking() {
    return document.querySelector("#selection[data-booking]");
  }

  function refreshBoard() {
    clearTimeout(state.refreshTimer);
    state.refreshTimer = setTimeout(() => {
      htmx.ajax("GET", `/ops/day/board?${dayQuery()}`, { target: "#timeline", swap: "outerHTML" });
    }, 200);
  }

  function showStale() {
    if (state.stale) return;
    state.stale = true;
    document.getElementById("banner").innerHTML = document.getElementById("stale-banner").innerHTML;
  }

  function clearStale() {
    state.stale = false;
    state.venueChanged = false;
    document.getElementById("banner").innerHTML = "";
  }

  // Judge only between requests: the page's own hold moves the version too, and the answer to
  // it carries the version it produced.
  function judge() {
    if (state.inFlight > 0) return;
    const open = openBooking();
    if (!open) return;
    if (state.venueChanged || state.latest > Number(open.dataset.contextVersion)) showStale();
  }

  function refreshSelection() {
    const open = openBooking();
    clearStale();
    if (!open) {
      refreshBoard();
      return;
    }
    const query = dayQuery();
    query.set("booking", open.dataset.booking);
    open.querySelectorAll("input[name=table_id]:checked").forEach((box) => {
      query.append("table_id", box.value);
    });
    htmx.ajax("GET", `/ops/day/selection?${query}`, { target: "#selection", swap: "outerHTML" });
  }

  // --- The live feed. ---
  const live = document.getElementById("live");

  function setLive(name, text) {
    live.dataset.state = name;
    live.textContent = text;
  }

  function onEvent(message) {
    const data = JSON.parse(message.data);
    if (typeof data.context_version === "number") {
      state.latest = Math.max(state.latest, data.context_version);
    }
    if (!data.types) {
      // (Re)connected: whatever changed while the feed was down shows now.
      setLive("live", "live");
      body.dataset.live = "yes";
      const timeline = document.getElementById("timeline");
      if (openBooking()) judge();
      else if (timeline && Number(timeline.dataset.contextVersion) !== data.context_version) {
        refreshBoard();
      }
      return;
    }
    if (data.types.includes("venue.changed")) state.venueChanged = true;
    if (openBooking()) {
      state.missed = true;
      judge();
    } else {
      refreshBoard();
    }
  }

  function connect() {
    const source = new EventSource(`/ops/events?${dayQuery()}`);
    source.onmessage = onEvent;
    source.onerror = () => {
      body.dataset.live = "no";
      if (source.readyState === EventSource.CLOSED) {
        setLive("down", "offline — reload the page");
      } else {
        setLive("connecting", "reconnecting…");
      }
    };
  }

  // --- Picking tables on the timeline mirrors the checkboxes of the open booking. ---
  function syncPicked() {
    const picked = new Set(
      Array.from(document.querySelectorAll("#pick input[name=table_id]:checked"), (b) => b.value),
    );
    document.querySelectorAll("#timeline .row").forEach((row) => {
      row.classList.toggle("picked", picked.has(row.dataset.table));
    });
    body.classList.toggle("picking", Boolean(openBooking()));
  }

  document.addEventListener("click", (event) => {
    const head = event.target.closest("#timeline .row .head[data-pick]");
    if (head) {
      const box = document.getElementById(`pick-${head.dataset.pick}`);
      if (box) {
        box.checked = !box.checked;
        syncPicked();
      }
      return;
    }
    if (event.target.closest("[data-refresh]")) {
      refreshSelection();
      return;
    }
    if (event.target.closest("[data-dismiss=report]")) {
      const report = document.getElementById("report");
      report.hidden = true;
      report.innerHTML = "";
    }
  });

  document.addEventListener("change", (event) => {
    if (event.target.matches("#pick input[name=table_id]")) syncPicked();
  });

  // Forms that only htmx buttons submit: Enter in a text field must not post the page.
  document.addEventListener("submit", (event) => {
    if (event.target.matches("[data-htmx-only]")) event.preventDefault();
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !event.target.closest("#selection")) return;
    const close = document.querySelector("#selection .panel-head button");
    if (close) close.click();
  });

  // --- htmx life cycle. ---
  body.addEventListener("htmx:beforeRequest", (event) => {
    state.inFlight += 1;
    const form = event.detail.elt.closest("form");
    if (form && form.id === "pick") form.querySelectorAll("button").forEach((b) => (b.disabled = true));
  });

  body.addEventListener("htmx:afterRequest", (event) => {
    state.inFlight = Math.max(0, state.inFlight - 1);
    const created = event.detail.elt.closest && event.detail.elt.closest("#new-booking form");
    if (created && event.detail.successful) {
      created.reset();
      document.getElementById("new-booking-result").innerHTML = "";
      document.getElementById("new-booking").open = false;
    }
    const form = document.getElementById("pick");
    if (form) form.querySelectorAll("button").forEach((b) => (b.disabled = false));
    judge();
  });

  body.addEventListener("staleContext", showStale);

  // Events of a swap fire on the new elements.
  body.addEventListener("htmx:afterSwap", (event) => {
    stamp(document);
    syncPicked();
    if (event.target.id !== "selection") return;
    const open = openBooking();
    if (!open) {
      clearStale();
      if (state.missed) refreshBoard();
      state.missed = false;
      return;
    }
    const focus = open.querySelector(".problem, .outcome") || document.getElementById("selection-title");
    if (focus) focus.focus();
  });

  body.addEventListener("htmx:oobAfterSwap", () => {
    stamp(document);
    syncPicked();
  });

  body.addEventListener("htmx:afterSettle", (event) => {
    if (event.target.id === "report" && !event.target.hidden) event.target.focus();
  });

  stamp(document);
  syncPicked();
  tick();
  setInterval(tick, 1000);
  connect();
})();
