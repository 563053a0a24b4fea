// The practice list's filters, applied as they are ticked, without reloading the page.
//
// The list is a GET form that works without this script (templates/catalogue/practice_list.html).
// With it, a tick, a role button, a sort or a link within the list asks the server for the same
// URL the form or link would give, and swaps in the parts of the page marked data-live-region:
// the same HTML, rendered by the same view. The address follows (pushState; Back restores the
// list before), and stays short: no empty field, no default (form data-* attributes). Words the
// reader sees come from the page itself, never from here, so the page's language is theirs.
(() => {
  "use strict";
  const form = document.querySelector("form[data-live-list]");
  if (!form || !window.fetch || !window.history.pushState) return;
  document.documentElement.classList.add("js");

  const listPath = new URL(form.action).pathname;
  const status = document.getElementById("list-status");
  const panel = document.getElementById("filters-panel");
  const phone = window.matchMedia("(max-width: 56rem)");
  let shown = withoutHash(window.location.href);
  let pending = null;

  function withoutHash(url) {
    return url.split("#")[0];
  }

  // The form's fields as a query string: filled values only, defaults left out.
  function queryOf(submitter) {
    const data = new FormData(form);
    // The button pressed (a country's role) adds its own name and value, as in a plain submit.
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    const searching = String(data.get("q") || "").trim() !== "";
    const defaults = {
      sort: searching ? form.dataset.searchSort : form.dataset.defaultSort,
      page_size: form.dataset.defaultPageSize,
    };
    const params = new URLSearchParams();
    for (const [name, raw] of data) {
      const value = typeof raw === "string" ? raw.trim() : "";
      if (value && defaults[name] !== value) params.append(name, value);
    }
    return params.toString();
  }

  function apply(submitter) {
    const query = queryOf(submitter);
    load(listPath + (query ? "?" + query : ""), true);
  }

  async function load(url, push) {
    if (pending) pending.abort();
    const request = new AbortController();
    pending = request;
    form.setAttribute("aria-busy", "true");
    let html, finalUrl;
    try {
      const response = await fetch(url, { signal: request.signal, headers: { Accept: "text/html" } });
      if (!response.ok) throw new Error(String(response.status));
      html = await response.text();
      finalUrl = response.url;
    } catch (error) {
      if (error.name === "AbortError") return;
      window.location.assign(url); // the browser shows the page, or what went wrong
      return;
    } finally {
      if (pending === request) {
        pending = null;
        form.removeAttribute("aria-busy");
      }
    }
    swap(new DOMParser().parseFromString(html, "text/html"));
    shown = withoutHash(finalUrl);
    if (push) window.history.pushState({ list: true }, "", finalUrl);
    announce();
  }

  // Replace each region by the new page's, keeping what the reader was doing: the focused
  // control (found again by its id), which facets are open, how far a long one is scrolled,
  // and what they typed to narrow it.
  function swap(fresh) {
    const active = document.activeElement;
    const focusId = active && active.id;
    const focusFacet = active && active.closest && active.closest("details.facet[id]");
    const opened = new Map(
      [...form.querySelectorAll("details.facet[id]")].map((d) => [d.id, d.open]),
    );
    const scrolled = new Map(
      [...form.querySelectorAll(".facet-options.long[id]")].map((ul) => [ul.id, ul.scrollTop]),
    );
    const narrowed = new Map(
      [...form.querySelectorAll("[data-narrow]")].map((box) => [box.id, box.value]),
    );
    for (const region of document.querySelectorAll("[data-live-region]")) {
      const next = fresh.getElementById(region.id);
      if (next) region.replaceWith(document.adoptNode(next));
    }
    for (const [id, open] of opened) {
      const facet = document.getElementById(id);
      // A facet the new page opens because something in it is ticked stays open.
      if (facet && open) facet.open = true;
      else if (facet && !facet.querySelector("input:checked")) facet.open = false;
    }
    for (const [id, value] of narrowed) {
      const box = document.getElementById(id);
      if (box) {
        box.value = value;
        narrow(box);
      }
    }
    for (const [id, top] of scrolled) {
      const list = document.getElementById(id);
      if (list) list.scrollTop = top;
    }
    // The search box is not a region (the reader may be typing): it takes the new list's words.
    const search = form.elements.namedItem("q");
    const freshSearch = fresh.getElementById(search.id);
    if (freshSearch && document.activeElement !== search) search.value = freshSearch.value;
    if (document.activeElement === search || document.activeElement === active) return;
    const again = focusId && document.getElementById(focusId);
    const summary = focusFacet && document.querySelector(`#${focusFacet.id} > summary`);
    if (again) again.focus({ preventScroll: true });
    else if (summary) summary.focus({ preventScroll: true });
    else document.getElementById("result-count").focus();
  }

  function announce() {
    status.textContent = "";
    // Emptied first, so that the same count twice in a row is read out again.
    window.setTimeout(() => {
      status.textContent = document.getElementById("result-count").textContent.trim();
    }, 50);
  }

  // Type-to-narrow a long facet (countries, organisations), accents and case aside.
  function fold(text) {
    return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().trim();
  }

  function narrow(box) {
    const words = fold(box.value);
    const list = document.getElementById(box.dataset.narrow);
    if (!list) return;
    let shown = 0;
    for (const item of list.children) {
      const label = item.querySelector("a, .facet-label");
      const matches = !words || (label && fold(label.textContent).includes(words));
      item.hidden = !matches && !item.querySelector("input:checked");
      if (!item.hidden) shown += 1;
    }
    const none = document.getElementById(box.dataset.narrowNone);
    if (none) none.hidden = shown > 0;
  }

  form.addEventListener("change", (event) => {
    const field = event.target;
    // The search words wait for their button or Enter; the narrowing boxes have no name.
    if (!field.name || field.name === "q") return;
    apply();
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    apply(event.submitter);
  });

  form.addEventListener("input", (event) => {
    if (event.target.dataset.narrow) narrow(event.target);
  });

  form.addEventListener("keydown", (event) => {
    // Enter in a narrowing box would submit the form: it only narrows.
    if (event.key === "Enter" && event.target.dataset.narrow) event.preventDefault();
  });

  // Links that lead to this list (chips, pagination, an option's name, a row's country or
  // theme) are followed in place. An option's name ticks or unticks its box, like a click
  // beside it: the box's change applies it.
  form.addEventListener("click", (event) => {
    const link = event.target.closest("a[href]");
    if (!link || link.hasAttribute("download") || event.button !== 0) return;
    if (event.defaultPrevented || link.getAttribute("href").startsWith("#")) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const url = new URL(link.href);
    if (url.origin !== window.location.origin || url.pathname !== listPath) return;
    event.preventDefault();
    const label = link.closest("label");
    if (label && label.control) label.control.click();
    else load(url.href, true);
  });

  window.addEventListener("popstate", () => {
    // A jump to an anchor (#main) is a history entry too, on the same list.
    if (withoutHash(window.location.href) !== shown) load(window.location.href, false);
  });

  // On a phone the filters come folded above the results; wide, they are the sidebar.
  if (phone.matches) panel.open = false;
  document.getElementById("show-results").addEventListener("click", (event) => {
    event.preventDefault();
    panel.open = false;
    document.getElementById("result-count").focus();
  });
  phone.addEventListener("change", (event) => {
    if (!event.matches) panel.open = true;
  });
})();
