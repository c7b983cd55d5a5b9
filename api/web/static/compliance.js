// The console's trust-and-compliance pages (issue 19): notices of illegal content
// (ILLEGAL, oldest first, live), appeals (APPEALS), and for admins the audit log and
// the transparency report. Self-contained beside console.js: it reads the same session
// token and shows its own panel in place of the comment queues.
import { LiveClient, request } from "./gql.js";
import { clear, formatTime, h } from "./dom.js";

const TOKEN_KEY = "commentmod.console.token";
const $ = (id) => document.getElementById(id);

const NOTICES = `query Notices { illegalContentNotices(first: 50) { totalCount edges { node {
  id status commentId lawBroken explanation notifierName notifierEmail createdAt
  history { status note createdAt } } } } }`;
const NOTICE_COMMENT = `query C($id: ID!) { comment(id: $id) { id body status author { name } article { title } } }`;
const REVIEW = `mutation Review($input: NoticeIdInput!) { reviewIllegalContentNotice(input: $input) { notice { id status } } }`;
const DECIDE_NOTICE = `mutation DecideNotice($input: DecideNoticeInput!) { decideIllegalContentNotice(input: $input) { notice { id status outcome } } }`;
const APPEALS = `query Appeals { appeals(first: 50) { totalCount edges { node {
  id explanation appellantId decidedBy createdAt
  statement { restriction facts groundKind ground groundText explanation automatedDecision
    automatedDetection modelVersion triggers commentId sanctionId } } } } }`;
const DECIDE_APPEAL = `mutation DecideAppeal($input: DecideAppealInput!) { decideAppeal(input: $input) { appeal { id status } } }`;
const AUDIT = `query Audit($filter: AuditLogFilter, $after: String) { auditLog(filter: $filter, first: 50, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { actorId action target reason details createdAt } } } }`;
const REPORT = `query Report($from: DateTime!, $to: DateTime!) { transparencyReport(from: $from, to: $to) }`;
const ILLEGAL_CHANGED = `subscription Illegal { moderationQueueChanged(queue: ILLEGAL) { kind comment { id } } }`;

const state = { token: null, role: null, page: null, live: null, stop: null };

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

async function call(query, variables = {}) {
  return request(query, variables, token());
}

function say(message) {
  const line = $("compliance-status");
  line.textContent = message;
  line.hidden = !message;
}

// ---- tabs ------------------------------------------------------------------------

const QUEUE_PARTS = [".toolbar", ".keys", "#cards", "#more", "#empty", "#notice"];

function show(page) {
  state.page = page;
  for (const tab of document.querySelectorAll("#compliance-tabs button")) {
    tab.setAttribute("aria-selected", String(tab.dataset.page === page));
  }
  for (const tab of document.querySelectorAll("#tabs button")) {
    if (page) tab.setAttribute("aria-selected", "false");
  }
  for (const selector of QUEUE_PARTS) {
    const element = document.querySelector(selector);
    if (element && page) element.dataset.complianceHidden = "1";
    if (element) element.style.display = page ? "none" : "";
  }
  $("compliance").hidden = !page;
  say("");
  if (page) load(page);
}

async function load(page) {
  const body = clear($("compliance-body"));
  try {
    if (page === "ILLEGAL") await loadNotices(body);
    if (page === "APPEALS") await loadAppeals(body);
    if (page === "AUDIT") await loadAudit(body);
    if (page === "TRANSPARENCY") await loadReport(body);
  } catch (error) {
    say(error.message);
  }
}

async function refreshCounts() {
  try {
    const [notices, appeals] = await Promise.all([call(NOTICES), call(APPEALS)]);
    $("count-illegal").textContent = notices.illegalContentNotices.totalCount;
    $("count-appeals").textContent = appeals.appeals.totalCount;
  } catch (error) {
    say(error.message);
  }
}

// ---- notices of illegal content -----------------------------------------------------

async function loadNotices(body) {
  const data = await call(NOTICES);
  $("count-illegal").textContent = data.illegalContentNotices.totalCount;
  const list = h("ol", { class: "compliance-list", id: "notice-list" });
  if (!data.illegalContentNotices.edges.length) body.append(h("p", { class: "empty" }, "No open notices."));
  for (const { node } of data.illegalContentNotices.edges) list.append(await noticeCard(node));
  body.append(list);
}

async function noticeCard(notice) {
  const comment = (await call(NOTICE_COMMENT, { id: notice.commentId })).comment;
  const explanation = h("textarea", { rows: 3, placeholder: "Detailed explanation (at least 20 characters)", class: "explanation" });
  const ground = h("input", { placeholder: "Legal ground, e.g. StGB §130 (or leave empty and pick a rule)", class: "legal-ground" });
  const rule = h("input", { placeholder: "or a site rule code, e.g. civility", class: "rule" });
  const decide = async (outcome) => {
    const input = { noticeId: notice.id, explanation: explanation.value };
    if (outcome) input.outcome = outcome;
    if (ground.value.trim()) input.legalGround = ground.value.trim();
    else if (rule.value.trim()) input.rule = rule.value.trim();
    try {
      await call(DECIDE_NOTICE, { input });
      say(`Notice #${notice.id} decided.`);
      await load("ILLEGAL");
    } catch (error) {
      say(error.message);
    }
  };
  return h(
    "li",
    { class: "card notice-card", dataset: { notice: notice.id } },
    h("div", { class: "card-head" },
      h("span", { class: "badge" }, notice.status),
      h("span", {}, `Notice #${notice.id}`),
      formatTime(notice.createdAt),
      h("span", {}, notice.notifierName || notice.notifierEmail || "anonymous notifier")),
    h("p", {}, h("strong", {}, "Law broken: "), notice.lawBroken),
    h("p", {}, notice.explanation),
    comment
      ? h("blockquote", { class: "body" }, comment.body, h("footer", {}, `${comment.author.name} on ${comment.article.title}`))
      : h("p", {}, "(the comment is no longer visible)"),
    h("div", { class: "decide" }, ground, rule, explanation,
      notice.status === "RECEIVED"
        ? h("button", { type: "button", onclick: async () => {
            try { await call(REVIEW, { input: { noticeId: notice.id } }); await load("ILLEGAL"); } catch (error) { say(error.message); }
          } }, "Start review")
        : null,
      h("button", { type: "button", class: "remove", onclick: () => decide("REMOVED") }, "Remove comment"),
      h("button", { type: "button", class: "keep", onclick: () => decide("NO_ACTION") }, "No action"),
      h("button", { type: "button", class: "void", onclick: () => decide(null) }, "Void notice")),
  );
}

// ---- appeals -------------------------------------------------------------------------

async function loadAppeals(body) {
  const data = await call(APPEALS);
  $("count-appeals").textContent = data.appeals.totalCount;
  if (!data.appeals.edges.length) body.append(h("p", { class: "empty" }, "No pending appeals."));
  const list = h("ol", { class: "compliance-list", id: "appeal-list" });
  for (const { node } of data.appeals.edges) list.append(appealCard(node));
  body.append(list);
}

function appealCard(appeal) {
  const s = appeal.statement;
  const reason = h("textarea", { rows: 2, placeholder: "Your reasons (shown to the user)", class: "reason" });
  const decide = async (reverse) => {
    try {
      await call(DECIDE_APPEAL, { input: { appealId: appeal.id, reverse, reason: reason.value } });
      say(`Appeal #${appeal.id} ${reverse ? "reversed" : "upheld"}.`);
      await load("APPEALS");
    } catch (error) {
      say(error.message);
    }
  };
  const decidedBy = s.automatedDecision ? "automated means (no human yet)" : "a moderator";
  return h(
    "li",
    { class: "card appeal-card", dataset: { appeal: appeal.id } },
    h("div", { class: "card-head" },
      h("span", { class: "badge" }, s.restriction),
      h("span", {}, `Appeal #${appeal.id} by ${appeal.appellantId}`),
      formatTime(appeal.createdAt)),
    h("p", {}, s.facts),
    h("p", {}, h("strong", {}, "Ground: "), `${s.groundKind === "LAW" ? "law" : "site rule"} ${s.ground}`, s.groundText && s.groundText !== s.ground ? ` (${s.groundText})` : ""),
    h("p", {}, h("strong", {}, "Decided by: "), decidedBy,
      s.automatedDetection ? ` · detected automatically (${s.modelVersion || "rules"}: ${s.triggers.join(", ")})` : ""),
    h("p", {}, h("strong", {}, "The user says: "), appeal.explanation),
    h("div", { class: "decide" }, reason,
      h("button", { type: "button", class: "reverse", onclick: () => decide(true) }, "Reverse (restore)"),
      h("button", { type: "button", class: "uphold", onclick: () => decide(false) }, "Uphold")),
  );
}

// ---- audit log (admins) ----------------------------------------------------------------

async function loadAudit(body) {
  const action = h("input", { placeholder: "action, e.g. comment.reject", id: "audit-action" });
  const actor = h("input", { placeholder: "actor id", id: "audit-actor" });
  const target = h("input", { placeholder: "target prefix, e.g. user:", id: "audit-target" });
  const table = h("table", { class: "audit" },
    h("thead", {}, h("tr", {}, ["When", "Who", "Action", "Target", "Why", "Details"].map((t) => h("th", {}, t)))));
  const rows = h("tbody");
  table.append(rows);
  const more = h("button", { type: "button", hidden: true }, "Load more");
  let after = null;
  const fetchPage = async (reset) => {
    if (reset) { clear(rows); after = null; }
    const filter = {};
    if (action.value.trim()) filter.action = action.value.trim();
    if (actor.value.trim()) filter.actorId = actor.value.trim();
    if (target.value.trim()) filter.targetPrefix = target.value.trim();
    const data = (await call(AUDIT, { filter, after })).auditLog;
    for (const { node } of data.edges) {
      rows.append(h("tr", {},
        h("td", {}, formatTime(node.createdAt)), h("td", {}, node.actorId || "system"),
        h("td", {}, node.action), h("td", {}, node.target), h("td", {}, node.reason || ""),
        h("td", {}, h("code", {}, JSON.stringify(node.details)))));
    }
    after = data.pageInfo.endCursor;
    more.hidden = !data.pageInfo.hasNextPage;
  };
  more.addEventListener("click", () => fetchPage(false).catch((e) => say(e.message)));
  const form = h("form", { class: "audit-filter", onsubmit: (event) => { event.preventDefault(); fetchPage(true).catch((e) => say(e.message)); } },
    action, actor, target, h("button", { type: "submit" }, "Filter"));
  body.append(form, table, more);
  await fetchPage(true);
}

// ---- transparency report (admins) -------------------------------------------------------

async function loadReport(body) {
  const today = new Date();
  const yearAgo = new Date(today.getTime() - 365 * 86400 * 1000);
  const from = h("input", { type: "date", id: "report-from", value: yearAgo.toISOString().slice(0, 10) });
  const to = h("input", { type: "date", id: "report-to", value: today.toISOString().slice(0, 10) });
  const out = h("div", { id: "report" });
  const run = async () => {
    const end = new Date(`${to.value}T00:00:00Z`);
    end.setUTCDate(end.getUTCDate() + 1);
    const data = (await call(REPORT, { from: `${from.value}T00:00:00Z`, to: end.toISOString() })).transparencyReport;
    clear(out).append(...renderReport(data));
  };
  body.append(h("form", { class: "report-form", onsubmit: (event) => { event.preventDefault(); run().catch((e) => say(e.message)); } },
    h("label", {}, "From ", from), h("label", {}, "To ", to), h("button", { type: "submit" }, "Compute")), out);
  await run();
}

function table(title, head, rows) {
  return [h("h3", {}, title), h("table", { class: "report" },
    h("thead", {}, h("tr", {}, head.map((c) => h("th", {}, c)))),
    h("tbody", {}, rows.length ? rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c ?? "–")))) : h("tr", {}, h("td", { colspan: head.length }, "none"))))];
}

function renderReport(data) {
  const handling = data.notice_handling;
  const minutes = (s) => (s === null ? "–" : `${(s / 60).toFixed(1)} min`);
  const acc = data.accuracy;
  return [
    ...table("Notices of illegal content, by ground", ["Ground", "Received", "Decided", "Removed"],
      data.notices_by_ground.map((r) => [r.ground, r.received, r.decided, r.removed])),
    ...table("Notice handling", ["Decided", "Median time to decision", "90th percentile"],
      [[handling.decided, minutes(handling.median_seconds), minutes(handling.p90_seconds)]]),
    ...table("Actions, by kind and ground", ["Kind", "Ground", "Count"],
      data.actions.map((r) => [r.kind, `${r.ground_kind === "LAW" ? "law" : "rule"} ${r.ground}`, r.count])),
    ...table("Automated means, by model version", ["Model", "Detected", "Decided"],
      data.automation_by_model.map((r) => [r.model || "(rules only)", r.detected, r.decided])),
    ...table("Appeals", ["Received", "Upheld", "Reversed"],
      [[data.appeals.received, data.appeals.upheld, data.appeals.reversed]]),
    ...table("Accuracy of automated holds", ["Automated holds", "Reversed by moderators", "Share reversed"],
      [[acc.automated_holds, acc.reversed_by_moderators, acc.reversal_rate === null ? null : `${(acc.reversal_rate * 100).toFixed(1)} %`]]),
  ];
}

// ---- start -------------------------------------------------------------------------------

async function startCompliance() {
  if (!token() || state.token === token()) return;
  state.token = token();
  let viewer;
  try {
    viewer = (await call("query Me { viewer { role } }")).viewer;
  } catch {
    return;
  }
  if (!viewer || !["MODERATOR", "ADMIN"].includes(viewer.role)) return;
  state.role = viewer.role;
  $("compliance-tabs").hidden = false;
  for (const tab of document.querySelectorAll("#compliance-tabs [data-admin]")) tab.hidden = viewer.role !== "ADMIN";
  await refreshCounts();
  state.live?.close();
  state.live = new LiveClient(state.token, { onStatus: () => {}, onReconnect: () => refreshCounts() });
  state.stop = state.live.subscribe(ILLEGAL_CHANGED, {}, {
    next: () => {
      refreshCounts();
      if (state.page === "ILLEGAL") load("ILLEGAL");
    },
    error: (error) => say(`Live updates failed: ${error.message}`),
  });
}

document.addEventListener("DOMContentLoaded", () => {
  for (const tab of document.querySelectorAll("#compliance-tabs button")) {
    tab.addEventListener("click", () => show(tab.dataset.page));
  }
  for (const tab of document.querySelectorAll("#tabs button")) {
    tab.addEventListener("click", () => { if (state.page) show(null); });
  }
  $("sign-out").addEventListener("click", () => {
    state.live?.close();
    state.live = null;
    state.token = null;
    $("compliance-tabs").hidden = true;
    show(null);
  });
  // console.js signs in (a token, or a one-time link); start once #app is shown.
  new MutationObserver(() => {
    if (!$("app").hidden) startCompliance();
  }).observe($("app"), { attributes: true, attributeFilter: ["hidden"] });
});
