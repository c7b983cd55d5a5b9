// The moderator console: the queues, one card per comment, decisions, live updates.
import { GraphQLError, LiveClient, request } from "./gql.js";
import { clear, formatTime, h, highlighted } from "./dom.js";

const TOKEN_KEY = "commentmod.console.token";
const QUEUES = ["PENDING", "REPORTED", "REJECTED", "APPROVED"];
const PAGE = 20;

const COMMENT_FIELDS = `
  id body createdAt editedAt deletedAt status version language
  revisions { number body createdAt status current }
  article { id slug title }
  author { id name approvedCommentCount rejectedCommentCount }
  parent { id body author { name } }
  moderation {
    model
    scores { label score }
    reasons { code detail spans { start end } }
    reports { reason details createdAt resolved reporter { name } }
    history { status reason createdAt moderator { name } }
  }`;

const QUEUE_QUERY = `query Queue($queue: ModerationQueue!, $articleId: ID, $after: String, $orderBy: QueueOrder) {
  moderationQueue(queue: $queue, articleId: $articleId, first: ${PAGE}, after: $after, orderBy: $orderBy) {
    edges { node { ${COMMENT_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const COUNTS_QUERY = `query Counts($articleId: ID) {
  moderationQueueCounts(articleId: $articleId) { pending reported rejected approved }
}`;
const COMMENT_QUERY = `query One($id: ID!) { comment(id: $id) { ${COMMENT_FIELDS} } }`;
const DECIDE = {
  APPROVED: `mutation Approve($input: ModerateCommentInput!) { approveComment(input: $input) { comment { id status version } } }`,
  REJECTED: `mutation Reject($input: ModerateCommentInput!) { rejectComment(input: $input) { comment { id status version } } }`,
};
const QUEUE_CHANGED = `subscription Queue($queue: ModerationQueue!, $articleId: ID) {
  moderationQueueChanged(queue: $queue, articleId: $articleId) { kind queue comment { ${COMMENT_FIELDS} } }
}`;

const $ = (id) => document.getElementById(id);

const state = {
  token: null,
  viewer: null,
  live: null,
  unsubscribe: [],
  queue: "PENDING",
  articleId: "",
  orderBy: "OLDEST_FIRST",
  cards: [], // { comment, element, notice } in display order
  focus: 0,
  selected: new Set(),
  endCursor: null,
  hasNextPage: false,
  generation: 0, // bumped on every reload, so late answers of an older view are dropped
};

// ---- signing in ----------------------------------------------------------------

async function start() {
  const link = new URLSearchParams(location.hash.slice(1)).get("link");
  if (link) {
    // The link's token is spent on first use: take it out of the address bar and history.
    history.replaceState(null, "", location.pathname);
    try {
      const data = await request(
        `mutation Exchange($input: ExchangeConsoleLinkInput!) {
           exchangeConsoleLink(input: $input) { token viewer { id name role } }
         }`,
        { input: { token: link } },
      );
      sessionStorage.setItem(TOKEN_KEY, data.exchangeConsoleLink.token);
    } catch (error) {
      showSignIn(linkError(error));
      return;
    }
  }
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) await signIn(token);
  else showSignIn("");
}

function linkError(error) {
  const reason = error.extensions?.reason;
  if (reason === "LINK_USED") return "This sign-in link was already used. Ask for a new one (commentmod console-link).";
  if (reason === "LINK_EXPIRED") return "This sign-in link has expired. Ask for a new one.";
  return `This sign-in link does not work: ${error.message}`;
}

async function signIn(token) {
  let viewer;
  try {
    viewer = (await request("query Me { viewer { id name role } }", {}, token)).viewer;
  } catch (error) {
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn(error.code === "UNAUTHENTICATED" ? `This token is not valid: ${error.message}` : error.message);
    return;
  }
  if (!viewer || !["MODERATOR", "ADMIN"].includes(viewer.role)) {
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn("This token is not a moderator's.");
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  state.token = token;
  state.viewer = viewer;
  $("signin").hidden = true;
  $("app").hidden = false;
  $("who").hidden = false;
  $("who-name").textContent = `${viewer.name} (${viewer.role.toLowerCase()})`;
  state.live = new LiveClient(token, {
    onStatus: (status) => {
      $("live-status").textContent = status === "live" ? "● live" : status;
      if (status === "signed-out") signOut("Your session has ended; sign in again.");
    },
    onReconnect: () => reload(),
  });
  await loadArticles();
  subscribe();
  await reload();
}

function showSignIn(message) {
  $("app").hidden = true;
  $("who").hidden = true;
  $("signin").hidden = false;
  $("signin-error").textContent = message;
  $("token-input").focus();
}

function signOut(message = "") {
  sessionStorage.removeItem(TOKEN_KEY);
  state.live?.close();
  state.live = null;
  state.unsubscribe = [];
  state.token = null;
  clear($("cards"));
  state.cards = [];
  showSignIn(message);
}

// ---- loading -------------------------------------------------------------------

async function loadArticles() {
  const data = await request("query Articles { articles(first: 100) { edges { node { id title } } } }", {}, state.token);
  const select = $("article-filter");
  select.replaceChildren(h("option", { value: "" }, "All articles"));
  for (const { node } of data.articles.edges) select.append(h("option", { value: node.id }, node.title));
  select.value = state.articleId;
}

function subscribe() {
  for (const stop of state.unsubscribe) stop();
  state.unsubscribe = QUEUES.map((queue) =>
    state.live.subscribe(QUEUE_CHANGED, { queue, articleId: state.articleId || null }, {
      next: (data) => onQueueEvent(data.moderationQueueChanged),
      error: (error) => notice(`Live updates failed: ${error.message}`),
    }),
  );
}

async function reload() {
  const generation = ++state.generation;
  state.cards = [];
  state.selected.clear();
  state.focus = 0;
  clear($("cards"));
  updateSelection();
  await Promise.all([loadPage(null, generation), refreshCounts()]);
}

async function loadPage(after, generation = state.generation) {
  let data;
  try {
    data = await request(QUEUE_QUERY, {
      queue: state.queue,
      articleId: state.articleId || null,
      after,
      orderBy: state.orderBy,
    }, state.token);
  } catch (error) {
    notice(error.message);
    return;
  }
  if (generation !== state.generation) return;
  const page = data.moderationQueue;
  for (const { node } of page.edges) {
    if (!state.cards.some((card) => card.comment.id === node.id)) insertCard(node, state.cards.length);
  }
  state.endCursor = page.pageInfo.endCursor;
  state.hasNextPage = page.pageInfo.hasNextPage;
  $("more").hidden = !state.hasNextPage;
  render();
}

let countsTimer = null;
function refreshCountsSoon() {
  clearTimeout(countsTimer);
  countsTimer = setTimeout(refreshCounts, 50);
}

async function refreshCounts() {
  try {
    const data = await request(COUNTS_QUERY, { articleId: state.articleId || null }, state.token);
    for (const [name, value] of Object.entries(data.moderationQueueCounts)) {
      const badge = document.querySelector(`[data-count="${name}"]`);
      if (badge) badge.textContent = String(value);
    }
  } catch (error) {
    notice(error.message);
  }
}

// ---- live ----------------------------------------------------------------------

function onQueueEvent(event) {
  refreshCountsSoon();
  if (event.queue !== state.queue) return;
  const index = state.cards.findIndex((card) => card.comment.id === event.comment.id);
  if (event.kind === "LEFT") {
    if (index >= 0) removeCard(index);
  } else if (index < 0) {
    const at = insertionPoint(event.comment);
    if (at !== null) insertCard(event.comment, at);
  }
  render();
}

function maxScore(comment) {
  return Math.max(0, ...(comment.moderation?.scores ?? []).map((s) => s.score));
}

// Where a comment that just entered goes in the current order; null when it belongs
// on a page not loaded yet ("Load more" will bring it).
function insertionPoint(comment) {
  const key = (c) => state.orderBy === "MOST_TOXIC_FIRST" ? -maxScore(c) : Date.parse(c.createdAt);
  const sign = state.orderBy === "NEWEST_FIRST" ? -1 : 1;
  const mine = sign * key(comment);
  const at = state.cards.findIndex((card) => sign * key(card.comment) > mine);
  if (at >= 0) return at;
  return state.hasNextPage ? null : state.cards.length;
}

// ---- cards ---------------------------------------------------------------------

function insertCard(comment, at) {
  const card = { comment, element: null, notice: null };
  card.element = buildCard(card);
  const before = state.cards[at]?.element ?? null;
  $("cards").insertBefore(card.element, before);
  state.cards.splice(at, 0, card);
  // A card coming in above (or at) the focused one must not move the focus off it.
  if (state.cards.length > 1 && at <= state.focus) state.focus += 1;
}

function removeCard(index) {
  const [card] = state.cards.splice(index, 1);
  card.element.remove();
  state.selected.delete(card.comment.id);
  if (index < state.focus) state.focus -= 1;
  state.focus = Math.min(state.focus, Math.max(0, state.cards.length - 1));
  updateSelection();
}

function replaceCard(card, comment) {
  card.comment = comment;
  const element = buildCard(card);
  card.element.replaceWith(element);
  card.element = element;
}

// The scores, or why there are none: a language no configured scorer covers, a scorer
// that failed, or a comment decided before any scoring.
function scoresBlock(c, m) {
  if (m.scores.length === 0) {
    const codes = new Set(m.reasons.map((r) => r.code));
    const why = codes.has("UNSUPPORTED_LANGUAGE") && c.language ? `not scored: language ${c.language}`
      : codes.has("SCORER_UNAVAILABLE") ? "not scored: the scorer was unavailable"
      : "not scored";
    return h("div", { class: "scores" }, h("h3", {}, "Scores"), h("p", { class: "muted not-scored" }, why));
  }
  const assumed = c.language ? ` · ${c.language}` : "";
  return h("div", { class: "scores" },
    h("h3", {}, "Scores ", h("span", { class: "muted" }, `${m.model}${assumed}`)),
    m.scores.map((s) => h("div", { class: "score" },
      h("span", { class: "label" }, s.label),
      h("meter", { min: 0, max: 1, low: 0.5, high: 0.8, optimum: 0, value: s.score }),
      h("span", { class: "value" }, s.score.toFixed(2)))));
}

function buildCard(card) {
  const c = card.comment;
  const m = c.moderation ?? { scores: [], reasons: [], reports: [], history: [] };
  const id = c.id;
  const reason = h("input", { class: "reason", placeholder: "Reason (optional)", maxlength: 2000, "aria-label": "Reason" });
  const element = h("li", { class: "card", tabindex: -1, dataset: { id } },
    h("div", { class: "card-head" },
      h("label", { class: "select" },
        h("input", { type: "checkbox", checked: state.selected.has(id), onchange: (e) => toggle(id, e.target.checked) }),
        " select"),
      h("a", { class: "article", href: `/articles/${encodeURIComponent(c.article.slug)}` }, c.article.title),
      h("span", { class: "author" }, c.author.name,
        h("span", { class: "record", title: "approved / rejected comments" },
          ` ✓ ${c.author.approvedCommentCount ?? 0} · ✗ ${c.author.rejectedCommentCount ?? 0}`)),
      formatTime(c.createdAt),
      h("span", { class: `status status-${c.status.toLowerCase()}` }, c.status.toLowerCase()),
      c.editedAt && h("span", { class: "edited", title: new Date(c.editedAt).toLocaleString() }, "edited"),
      c.deletedAt && h("span", { class: "deleted-by-author" }, "deleted by its author"),
    ),
    c.parent && h("blockquote", { class: "parent", dir: "auto" },
      h("span", { class: "muted" }, `In reply to ${c.parent.author?.name ?? "a deleted comment"}: `), c.parent.body),
    h("p", { class: "body", dir: "auto" }, highlighted(c.body, m.reasons)),
    card.notice && h("p", { class: "card-notice", role: "alert" }, card.notice),
    h("div", { class: "details" },
      scoresBlock(c, m),
      h("div", { class: "reasons" },
        h("h3", {}, "Reasons"),
        m.reasons.length
          ? h("ul", {}, m.reasons.map((r) => h("li", {}, h("code", {}, r.code), r.detail ? ` ${r.detail}` : "")))
          : h("p", { class: "muted" }, "none")),
      m.reports.length > 0 && h("div", { class: "reports" },
        h("h3", {}, `Reports (${m.reports.length})`),
        h("ul", {}, m.reports.map((r) => h("li", {},
          h("code", {}, r.reason), r.details ? ` “${r.details}”` : "", ` by ${r.reporter.name} `,
          formatTime(r.createdAt), r.resolved ? " (resolved)" : "")))),
      (c.revisions ?? []).length > 1 && h("div", { class: "revisions" },
        h("h3", {}, `Revisions (${c.revisions.length})`),
        h("ol", {}, c.revisions.map((r) => h("li", { class: r.current ? "revision current" : "revision" },
          h("span", { class: `status status-${r.status.toLowerCase()}` }, r.status.toLowerCase()), " ",
          formatTime(r.createdAt), " ", h("span", { class: "revision-body", dir: "auto" }, r.body))))),
      h("div", { class: "history" },
        h("h3", {}, "History"),
        h("ol", {}, m.history.map((a) => h("li", {},
          h("span", { class: `status status-${a.status.toLowerCase()}` }, a.status.toLowerCase()),
          ` by ${a.moderator ? a.moderator.name : "the system"} `, formatTime(a.createdAt),
          a.reason ? ` — ${a.reason}` : "")))),
    ),
    h("div", { class: "actions" },
      reason,
      h("button", { type: "button", class: "approve", onclick: () => decide(card, "APPROVED") }, "Approve (A)"),
      h("button", { type: "button", class: "reject", onclick: () => decide(card, "REJECTED", reason.value) }, "Reject (R)"),
    ),
  );
  element.addEventListener("focusin", () => {
    const index = state.cards.indexOf(card);
    if (index >= 0 && index !== state.focus) {
      state.focus = index;
      render(false);
    }
  });
  return element;
}

function render(moveFocus = true) {
  $("empty").hidden = state.cards.length > 0;
  state.cards.forEach((card, index) => card.element.classList.toggle("focused", index === state.focus));
  const focused = state.cards[state.focus];
  if (moveFocus && focused && !focused.element.contains(document.activeElement)) {
    if (document.activeElement === document.body || document.activeElement?.closest?.(".card")) {
      focused.element.focus({ preventScroll: false });
    }
  }
}

// ---- decisions -----------------------------------------------------------------

async function decide(card, status, reason = "") {
  if (card.busy) return false;
  card.busy = true;
  const comment = card.comment;
  try {
    await request(DECIDE[status], {
      input: { commentId: comment.id, version: comment.version, reason: reason.trim() || null },
    }, state.token);
  } catch (error) {
    await decisionFailed(card, error);
    return false;
  } finally {
    card.busy = false;
  }
  const index = state.cards.indexOf(card);
  if (index >= 0) removeCard(index);
  notice("");
  render();
  state.cards[state.focus]?.element.focus();
  refreshCountsSoon();
  return true;
}

async function decisionFailed(card, error) {
  if (!(error instanceof GraphQLError) || error.code !== "CONFLICT") {
    notice(`Could not decide: ${error.message}`);
    return;
  }
  const now = error.extensions.status?.toLowerCase() ?? "changed";
  const message = `Conflict: another moderator decided first; this comment is now ${now} (version ${error.extensions.version}). The card shows it as it is now.`;
  notice(message);
  card.notice = message;
  try {
    const fresh = (await request(COMMENT_QUERY, { id: card.comment.id }, state.token)).comment;
    if (fresh && state.cards.includes(card)) replaceCard(card, fresh);
  } catch (failure) {
    notice(`${message} (refresh failed: ${failure.message})`);
  }
  render();
  card.element.focus();
  refreshCountsSoon();
}

async function decideSelected(status) {
  const cards = state.cards.filter((card) => state.selected.has(card.comment.id));
  const reason = $("bulk-reason").value;
  let done = 0;
  for (const card of cards) if (await decide(card, status, reason)) done += 1;
  const failed = cards.length - done;
  notice(`${done} ${status === "APPROVED" ? "approved" : "rejected"}${failed ? `, ${failed} not (see the cards)` : ""}.`);
}

function toggle(id, on) {
  if (on) state.selected.add(id);
  else state.selected.delete(id);
  updateSelection();
}

function updateSelection() {
  const count = state.selected.size;
  $("selected-count").textContent = `${count} selected`;
  $("bulk-approve").disabled = count === 0;
  $("bulk-reject").disabled = count === 0;
  for (const card of state.cards) {
    const box = card.element.querySelector(".select input");
    if (box) box.checked = state.selected.has(card.comment.id);
    card.element.classList.toggle("selected", state.selected.has(card.comment.id));
  }
}

function notice(message) {
  $("notice").textContent = message;
  $("notice").hidden = !message;
}

// ---- keyboard ------------------------------------------------------------------

function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest?.("input, textarea, select")) return;
  if ($("app").hidden) return;
  const card = state.cards[state.focus];
  switch (event.key.toLowerCase()) {
    case "j":
      move(1);
      break;
    case "k":
      move(-1);
      break;
    case "a":
      if (card) decide(card, "APPROVED");
      break;
    case "r":
      if (card) decide(card, "REJECTED", card.element.querySelector(".reason")?.value ?? "");
      break;
    case "x":
      if (card) toggle(card.comment.id, !state.selected.has(card.comment.id));
      break;
    default:
      return;
  }
  event.preventDefault();
}

function move(step) {
  if (!state.cards.length) return;
  state.focus = Math.max(0, Math.min(state.cards.length - 1, state.focus + step));
  render(false);
  state.cards[state.focus].element.focus();
}

// ---- wiring --------------------------------------------------------------------

function selectTab(queue) {
  state.queue = queue;
  for (const tab of document.querySelectorAll("#tabs [data-queue]")) {
    tab.setAttribute("aria-selected", String(tab.dataset.queue === queue));
  }
  reload();
}

document.addEventListener("DOMContentLoaded", () => {
  $("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("token-input").value.trim();
    if (token) signIn(token);
  });
  $("sign-out").addEventListener("click", () => signOut("Signed out."));
  for (const tab of document.querySelectorAll("#tabs [data-queue]")) {
    tab.addEventListener("click", () => selectTab(tab.dataset.queue));
  }
  $("article-filter").addEventListener("change", (event) => {
    state.articleId = event.target.value;
    subscribe();
    reload();
  });
  $("sort").addEventListener("change", (event) => {
    state.orderBy = event.target.value;
    reload();
  });
  $("more").addEventListener("click", () => loadPage(state.endCursor));
  $("bulk-approve").addEventListener("click", () => decideSelected("APPROVED"));
  $("bulk-reject").addEventListener("click", () => decideSelected("REJECTED"));
  document.addEventListener("keydown", onKey);
  document.querySelector('#tabs [data-queue="PENDING"]').setAttribute("aria-selected", "true");
  start();
});
