// The reader page: an article, its thread, posting and replying, live new comments;
// the signed-in author's edits, deletions and notifications.
import { LiveClient, request } from "./gql.js";
import { clear, formatTime, h } from "./dom.js";
import { reasonsButton } from "./reasons.js";

const PAGE = 10;
const REPLIES = 5;
const FIELDS = "id body createdAt editedAt deletedAt status version replyCount author { id name } parent { id }";
// Own-comment fields, asked for only when signed in (they are the author's alone).
const OWN = "editableUntil @include(if: $signedIn)";
// Two levels of replies come with each page; deeper ones load on demand.
const REPLY_TREE = `replies(first: ${REPLIES}) {
  edges { node { ${FIELDS} ${OWN} replies(first: ${REPLIES}) { edges { node { ${FIELDS} ${OWN} } } pageInfo { hasNextPage endCursor } } } }
  pageInfo { hasNextPage endCursor }
}`;
const ARTICLE_QUERY = `query Article($slug: String!, $after: String, $orderBy: CommentOrder, $signedIn: Boolean!) {
  viewer @include(if: $signedIn) { id name }
  article(slug: $slug) {
    id title body url commentsOpen commentCount
    comments(first: ${PAGE}, after: $after, orderBy: $orderBy) {
      edges { node { ${FIELDS} ${OWN} ${REPLY_TREE} } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;
const REPLIES_QUERY = `query Replies($id: ID!, $after: String, $signedIn: Boolean!) {
  comment(id: $id) { id replies(first: ${PAGE}, after: $after) {
    edges { node { ${FIELDS} ${OWN} replies(first: ${REPLIES}) { edges { node { ${FIELDS} ${OWN} } } pageInfo { hasNextPage endCursor } } } }
    pageInfo { hasNextPage endCursor }
  } }
}`;
const ADD = `mutation Add($input: AddCommentInput!) { addComment(input: $input) { comment { ${FIELDS} editableUntil } } }`;
const EDIT = `mutation Edit($input: EditCommentInput!) { editComment(input: $input) { comment { ${FIELDS} editableUntil } } }`;
const DELETE = `mutation Delete($input: DeleteCommentInput!) { deleteComment(input: $input) { comment { ${FIELDS} } } }`;
const NOTIFICATION = "id kind commentId message createdAt readAt";
const NOTIFICATIONS_QUERY = `query Notifications { viewer { id notifications(first: 20) {
  unreadCount edges { node { ${NOTIFICATION} } } } } }`;
const MARK_READ = `mutation MarkRead($input: MarkNotificationsReadInput!) { markNotificationsRead(input: $input) { marked } }`;

const $ = (id) => document.getElementById(id);
const slug = decodeURIComponent(location.pathname.replace(/^\/articles\//, "").replace(/\/$/, ""));

const state = {
  token: new URLSearchParams(location.search).get("token"),
  viewer: null,
  article: null,
  orderBy: "NEWEST_FIRST",
  endCursor: null,
  hasNextPage: false,
  count: 0,
  // Whether each comment the live events touched counts as published: the same change can
  // arrive more than once (the mutation's answer, commentChanged, commentRemoved), and the
  // count must move once per change, whatever order they come in.
  counted: new Map(),
  live: null,
  stop: [],
  notifications: [],
  unread: 0,
};

export function errorMessage(error) {
  const x = error.extensions ?? {};
  switch (error.code) {
    case "COMMENTS_CLOSED":
      return "Comments are closed on this article.";
    case "RATE_LIMITED":
      return `You are posting too quickly. Try again in ${Math.ceil(x.retryAfter ?? 5)} seconds.`;
    case "BAD_USER_INPUT":
      if (x.maxLength) return `Your comment is too long: at most ${x.maxLength} characters.`;
      if (x.field === "body") return "Write something before posting.";
      return `That did not work: ${error.message}`;
    case "UNAUTHENTICATED":
      return "Sign in to comment (your sign-in may have expired).";
    case "FORBIDDEN":
      if (x.reason === "EDIT_WINDOW_CLOSED") return "The time to edit this comment is over.";
      if (x.reason === "MODERATED") return "A moderator has reviewed this comment; it can no longer be edited.";
      if (x.reason === "DELETED") return "This comment was deleted.";
      if (x.reason === "USER_BANNED") return "Your account may no longer comment here.";
      if (x.reason === "USER_SUSPENDED") return `Your account is suspended until ${new Date(x.until).toLocaleString()}.`;
      return "You may not do this.";
    case "CONFLICT":
      return "This comment changed meanwhile; reload the page and try again.";
    case "NOT_FOUND":
      return "That comment or article is no longer available.";
    case "UNAVAILABLE":
      return "The comments service is busy. Try again in a moment.";
    default:
      return `Something went wrong${x.requestId ? ` (request ${x.requestId})` : ""}. Try again.`;
  }
}

async function load() {
  let data;
  try {
    data = await request(ARTICLE_QUERY, {
      slug, after: null, orderBy: state.orderBy, signedIn: Boolean(state.token),
    }, state.token);
  } catch (error) {
    if (error.code === "UNAUTHENTICATED" && state.token) {
      state.token = null;
      showError("Your sign-in token is not valid; you are reading signed out.");
      return load();
    }
    showError(errorMessage(error));
    return;
  }
  if (!data.article) {
    showError("There is no article here.");
    $("article").hidden = true;
    return;
  }
  state.viewer = data.viewer ?? null;
  state.article = data.article;
  state.count = data.article.commentCount;
  document.title = `${data.article.title} · commentmod`;
  $("title").textContent = data.article.title;
  clear($("article-body")).append(
    ...data.article.body.split(/\n\s*\n/).map((para) => h("p", { dir: "auto" }, para)),
  );
  $("article").removeAttribute("aria-busy");
  $("discussion").hidden = false;
  showThread(data.article.comments);
  updateComposer();
  if (!state.live) startLive();
  if (state.viewer) loadNotifications();
}

async function reloadThread() {
  const data = await request(ARTICLE_QUERY, {
    slug, after: null, orderBy: state.orderBy, signedIn: Boolean(state.token),
  }, state.token);
  state.count = data.article.commentCount;
  state.counted.clear();
  showThread(data.article.comments);
}

function showThread(connection) {
  clear($("thread"));
  appendPage(connection);
}

function appendPage(connection) {
  for (const { node } of connection.edges) {
    if (!findComment(node.id)) $("thread").append(renderComment(node));
  }
  state.endCursor = connection.pageInfo.endCursor;
  state.hasNextPage = connection.pageInfo.hasNextPage;
  $("more").hidden = !state.hasNextPage;
  updateCount();
}

async function loadMore() {
  try {
    const data = await request(ARTICLE_QUERY, {
      slug, after: state.endCursor, orderBy: state.orderBy, signedIn: Boolean(state.token),
    }, state.token);
    appendPage(data.article.comments);
  } catch (error) {
    showError(errorMessage(error));
  }
}

function updateCount() {
  $("comment-count").textContent = `(${state.count})`;
}

function countIn(id) {
  if (state.counted.get(id) === true) return;
  state.counted.set(id, true);
  state.count += 1;
  updateCount();
}

function countOut(id) {
  if (state.counted.get(id) === false) return;
  state.counted.set(id, false);
  state.count = Math.max(0, state.count - 1);
  updateCount();
}

function findComment(id) {
  return document.querySelector(`li.comment[data-id="${CSS.escape(id)}"]`);
}

// The signed-in reader's own comments: the thread lists their held ones too, marked.
function isMine(node) {
  return Boolean(state.viewer) && node.author?.id === state.viewer.id;
}

function renderComment(node, { mine = isMine(node) } = {}) {
  const replies = h("ol", { class: "replies" });
  const element = h("li", { class: mine ? "comment mine" : "comment", dataset: { id: node.id, editableUntil: node.editableUntil ?? "" } },
    ...commentParts(node, mine),
    h("div", { class: "reply-slot" }),
    replies,
  );
  const connection = node.replies;
  if (connection) {
    for (const { node: reply } of connection.edges) replies.append(renderComment(reply));
    if (connection.pageInfo.hasNextPage) replies.after(moreReplies(element, node.id, connection.pageInfo.endCursor, node.replyCount - connection.edges.length));
  } else if (node.replyCount > 0) {
    replies.after(moreReplies(element, node.id, null, node.replyCount));
  }
  return element;
}

// What a comment shows above its replies; redrawn in place after an edit or deletion.
function commentParts(node, mine) {
  if (node.deletedAt) {
    return [
      h("div", { class: "meta" }, h("span", { class: "author deleted" }, "Deleted"), " ", formatTime(node.createdAt)),
      h("p", { class: "body deleted muted" }, "This comment was deleted."),
      h("div", { class: "comment-actions" }),
    ];
  }
  const actions = h("div", { class: "comment-actions" },
    canPost() && node.status !== "PENDING" && node.status !== "REJECTED" && h("button", { type: "button", class: "link reply", onclick: (e) => openReply(e.target.closest("li.comment"), node.id) }, "Reply"),
    mine && node.editableUntil && new Date(node.editableUntil) > new Date() && h("button", { type: "button", class: "link edit", onclick: (e) => openEdit(e.target.closest("li.comment"), node) }, "Edit"),
    mine && h("button", { type: "button", class: "link delete", onclick: (e) => deleteOwn(e.target.closest("li.comment"), node) }, "Delete"),
    mine && reasonsButton(node, state.token),
  );
  return [
    h("div", { class: "meta" },
      h("span", { class: "author" }, node.author?.name ?? ""), " ", formatTime(node.createdAt),
      node.editedAt && h("span", { class: "edited", title: new Date(node.editedAt).toLocaleString() }, "(edited)"),
      statusBadge(node.status, mine)),
    h("p", { class: "body", dir: "auto" }, node.body ?? ""),
    actions,
  ];
}

// Replace a comment's own parts (not its replies) with those of `node`.
function redraw(element, node) {
  const mine = element.classList.contains("mine") || isMine(node);
  // Live events carry no editableUntil (it is the author's alone): keep what we knew.
  if ("editableUntil" in node) element.dataset.editableUntil = node.editableUntil ?? "";
  else node = { ...node, editableUntil: element.dataset.editableUntil || null };
  for (const part of element.querySelectorAll(":scope > .meta, :scope > .body, :scope > .comment-actions, :scope > .edit-form")) part.remove();
  element.prepend(...commentParts(node, mine));
}

function openEdit(element, node) {
  if (element.querySelector(":scope > .edit-form")) return;
  const text = h("textarea", { rows: 3, dir: "auto", "aria-label": "Edit comment" });
  text.value = node.body ?? "";
  const message = h("p", { class: "form-message", role: "status" });
  const save = h("button", { type: "submit" }, "Save");
  const cancel = h("button", { type: "button", class: "link", onclick: () => form.remove() }, "Cancel");
  const form = h("form", { class: "composer edit-form" }, text, h("div", { class: "form-row" }, save, cancel, message));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    save.disabled = true;
    try {
      const data = await request(EDIT, { input: { commentId: node.id, body: text.value, version: node.version } }, state.token);
      const comment = data.editComment.comment;
      redraw(element, comment);
      if (comment.status === "PENDING") element.querySelector(":scope > .meta").append(h("span", { class: "form-message" }, " Your edit is awaiting review."));
    } catch (error) {
      message.className = "form-message error";
      message.textContent = errorMessage(error);
      save.disabled = false;
    }
  });
  element.querySelector(":scope > .comment-actions").after(form);
  text.focus();
}

async function deleteOwn(element, node) {
  try {
    const data = await request(DELETE, { input: { commentId: node.id } }, state.token);
    if (node.status === "APPROVED") countOut(node.id);
    redraw(element, data.deleteComment.comment);
  } catch (error) {
    showError(errorMessage(error));
  }
}

function statusBadge(status, mine) {
  if (status === "PENDING") return h("span", { class: "badge pending" }, mine ? "Your comment is awaiting review" : "awaiting review");
  if (status === "REJECTED") return h("span", { class: "badge rejected" }, "not published");
  return null;
}

function moreReplies(element, id, after, left) {
  const button = h("button", { type: "button", class: "link more-replies" }, left > 0 ? `Show ${left} more ${left === 1 ? "reply" : "replies"}` : "Show more replies");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const data = await request(REPLIES_QUERY, { id, after, signedIn: Boolean(state.token) }, state.token);
      const list = element.querySelector(":scope > .replies");
      const connection = data.comment?.replies;
      button.remove();
      if (!connection) return;
      for (const { node } of connection.edges) if (!findComment(node.id)) list.append(renderComment(node));
      if (connection.pageInfo.hasNextPage) list.after(moreReplies(element, id, connection.pageInfo.endCursor, 0));
    } catch (error) {
      button.disabled = false;
      showError(errorMessage(error));
    }
  });
  return button;
}

// ---- posting -------------------------------------------------------------------

function canPost() {
  return Boolean(state.viewer) && Boolean(state.article?.commentsOpen);
}

function updateComposer() {
  $("signed-out").hidden = Boolean(state.viewer);
  $("closed").hidden = state.article.commentsOpen;
  clear($("compose"));
  if (canPost()) $("compose").append(composer(null));
}

function composer(parentId, onDone = () => {}) {
  const text = h("textarea", { rows: parentId ? 2 : 3, dir: "auto", placeholder: parentId ? "Write a reply" : `Comment as ${state.viewer.name}`, "aria-label": parentId ? "Reply" : "Comment" });
  const message = h("p", { class: "form-message", role: "status" });
  const submit = h("button", { type: "submit" }, parentId ? "Reply" : "Post comment");
  const form = h("form", { class: "composer" }, text, h("div", { class: "form-row" }, submit, message));
  // One id per draft: a retry after a network failure cannot post it twice.
  let clientMutationId = newId();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    message.className = "form-message";
    try {
      const data = await request(ADD, {
        input: { articleId: state.article.id, body: text.value, parentId, clientMutationId },
      }, state.token);
      const comment = data.addComment.comment;
      text.value = "";
      clientMutationId = newId();
      placeOwn(comment);
      if (comment.status === "PENDING") message.textContent = "Your comment is awaiting review.";
      else if (comment.status === "REJECTED") message.textContent = "Your comment was not published: it breaks the site's rules.";
      else message.textContent = "Posted.";
      onDone(comment);
    } catch (error) {
      message.className = "form-message error";
      message.textContent = errorMessage(error);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function newId() {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

function openReply(element, parentId) {
  const slot = element.querySelector(":scope > .reply-slot");
  if (slot.firstChild) {
    clear(slot);
    return;
  }
  slot.append(composer(parentId));
  slot.querySelector("textarea").focus();
}

// The author's own comment goes into the thread at once, whatever its status.
function placeOwn(comment) {
  const existing = findComment(comment.id);
  if (existing) {
    // The live event may have drawn it first, without the author's own fields.
    existing.classList.add("mine");
    redraw(existing, comment);
    return;
  }
  const element = renderComment(comment, { mine: true });
  element.classList.add("mine");
  insert(comment, element);
}

function insert(comment, element) {
  if (comment.parent) {
    const parent = findComment(comment.parent.id);
    if (parent) parent.querySelector(":scope > .replies").append(element);
    return Boolean(parent);
  }
  if (state.orderBy === "NEWEST_FIRST") $("thread").prepend(element);
  else if (!state.hasNextPage) $("thread").append(element);
  else return false;
  return true;
}

// ---- live ----------------------------------------------------------------------

function startLive() {
  state.live = new LiveClient(state.token, { onReconnect: () => reloadThread() });
  const articleId = state.article.id;
  state.live.subscribe(`subscription Added($a: ID!) { commentAdded(articleId: $a) { ${FIELDS} } }`, { a: articleId }, {
    next: ({ commentAdded: comment }) => {
      countIn(comment.id);
      const existing = findComment(comment.id);
      if (existing) {
        existing.querySelector(":scope > .meta .badge")?.remove();
        return;
      }
      const element = renderComment(comment);
      element.classList.add("new");
      insert(comment, element);
    },
  });
  state.live.subscribe(`subscription Removed($a: ID!) { commentRemoved(articleId: $a) }`, { a: articleId }, {
    next: ({ commentRemoved: id }) => {
      countOut(id);
      const element = findComment(id);
      if (element && !element.classList.contains("mine")) element.remove();
    },
  });
  state.live.subscribe(`subscription Changed($a: ID!) { commentChanged(articleId: $a) { ${FIELDS} } }`, { a: articleId }, {
    next: ({ commentChanged: comment }) => {
      const element = findComment(comment.id);
      if (!element || element.querySelector(":scope > .edit-form")) return;
      if (comment.deletedAt && comment.status === "APPROVED") countOut(comment.id);
      redraw(element, comment);
    },
  });
  if (state.token) {
    state.live.subscribe(`subscription Notified { notificationAdded { ${NOTIFICATION} } }`, {}, {
      next: ({ notificationAdded: item }) => {
        state.notifications.unshift(item);
        state.unread += 1;
        showNotifications();
      },
    });
    state.live.subscribe(`subscription Mine { myCommentStatusChanged { id status } }`, {}, {
      next: ({ myCommentStatusChanged: comment }) => {
        const element = findComment(comment.id);
        // A moderator decided: the text they judged can no longer be edited.
        element?.querySelector(":scope > .comment-actions .edit")?.remove();
        if (element) element.dataset.editableUntil = "";
        const badge = element?.querySelector(":scope > .meta .badge");
        badge?.remove();
        const fresh = statusBadge(comment.status, true);
        if (element && fresh) element.querySelector(":scope > .meta").append(fresh);
      },
    });
  }
}

// ---- notifications -------------------------------------------------------------

const NOTICE_TEXT = {
  APPROVED: "A moderator published your comment.",
  REJECTED: "A moderator removed your comment.",
  HELD: "Your comment is awaiting review.",
  REPLY: "Someone replied to your comment.",
  MESSAGE: "A moderator wrote to you.",
};

async function loadNotifications() {
  try {
    const data = await request(NOTIFICATIONS_QUERY, {}, state.token);
    const connection = data.viewer?.notifications;
    if (!connection) return;
    state.notifications = connection.edges.map((e) => e.node);
    state.unread = connection.unreadCount;
    showNotifications();
  } catch (error) {
    showError(errorMessage(error));
  }
}

function showNotifications() {
  $("notifications").hidden = false;
  $("unread-count").textContent = state.unread ? `(${state.unread} unread)` : "";
  clear($("notification-list")).append(...state.notifications.map((n) =>
    h("li", { class: n.readAt ? "notification" : "notification unread", dataset: { kind: n.kind } },
      h("span", { class: "text" }, NOTICE_TEXT[n.kind] ?? n.kind),
      n.message && h("span", { class: "message", dir: "auto" }, ` “${n.message}”`), " ",
      formatTime(n.createdAt),
      n.commentId && findComment(n.commentId) && h("a", { href: "#", class: "link", onclick: (e) => { e.preventDefault(); findComment(n.commentId)?.scrollIntoView(); } }, " Show"))));
  $("mark-read").hidden = state.unread === 0;
}

async function markAllRead() {
  try {
    await request(MARK_READ, { input: { all: true } }, state.token);
    const now = new Date().toISOString();
    state.notifications = state.notifications.map((n) => ({ ...n, readAt: n.readAt ?? now }));
    state.unread = 0;
    showNotifications();
  } catch (error) {
    showError(errorMessage(error));
  }
}

function showError(message) {
  $("page-error").textContent = message;
  $("page-error").hidden = !message;
}

document.addEventListener("DOMContentLoaded", () => {
  $("order").addEventListener("change", async (event) => {
    state.orderBy = event.target.value;
    try {
      await reloadThread();
    } catch (error) {
      showError(errorMessage(error));
    }
  });
  $("more").addEventListener("click", loadMore);
  $("mark-read").addEventListener("click", markAllRead);
  load();
});
