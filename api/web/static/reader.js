// The reader page: an article, its thread, posting and replying, live new comments.
import { LiveClient, request } from "./gql.js";
import { clear, formatTime, h } from "./dom.js";
import { reasonsButton } from "./reasons.js";

const PAGE = 10;
const REPLIES = 5;
const FIELDS = "id body createdAt status replyCount author { id name } parent { id }";
// Two levels of replies come with each page; deeper ones load on demand.
const REPLY_TREE = `replies(first: ${REPLIES}) {
  edges { node { ${FIELDS} replies(first: ${REPLIES}) { edges { node { ${FIELDS} } } pageInfo { hasNextPage endCursor } } } }
  pageInfo { hasNextPage endCursor }
}`;
const ARTICLE_QUERY = `query Article($slug: String!, $after: String, $orderBy: CommentOrder, $signedIn: Boolean!) {
  viewer @include(if: $signedIn) { id name }
  article(slug: $slug) {
    id title body url commentsOpen commentCount
    comments(first: ${PAGE}, after: $after, orderBy: $orderBy) {
      edges { node { ${FIELDS} ${REPLY_TREE} } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;
const REPLIES_QUERY = `query Replies($id: ID!, $after: String) {
  comment(id: $id) { id replies(first: ${PAGE}, after: $after) {
    edges { node { ${FIELDS} replies(first: ${REPLIES}) { edges { node { ${FIELDS} } } pageInfo { hasNextPage endCursor } } } }
    pageInfo { hasNextPage endCursor }
  } }
}`;
const ADD = `mutation Add($input: AddCommentInput!) { addComment(input: $input) { comment { ${FIELDS} } } }`;

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
  live: null,
  stop: [],
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
      if (x.reason === "USER_BANNED") return "Your account may no longer comment here.";
      if (x.reason === "USER_SUSPENDED") return `Your account is suspended until ${new Date(x.until).toLocaleString()}.`;
      return "You may not do this.";
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
}

async function reloadThread() {
  const data = await request(ARTICLE_QUERY, {
    slug, after: null, orderBy: state.orderBy, signedIn: false,
  }, state.token);
  state.count = data.article.commentCount;
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
      slug, after: state.endCursor, orderBy: state.orderBy, signedIn: false,
    }, state.token);
    appendPage(data.article.comments);
  } catch (error) {
    showError(errorMessage(error));
  }
}

function updateCount() {
  $("comment-count").textContent = `(${state.count})`;
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
  const element = h("li", { class: mine ? "comment mine" : "comment", dataset: { id: node.id } },
    h("div", { class: "meta" },
      h("span", { class: "author" }, node.author.name), " ", formatTime(node.createdAt),
      statusBadge(node.status, mine)),
    h("p", { class: "body", dir: "auto" }, node.body),
    h("div", { class: "comment-actions" },
      canPost() && node.status !== "PENDING" && node.status !== "REJECTED" && h("button", { type: "button", class: "link reply", onclick: () => openReply(element, node.id) }, "Reply"),
      mine && reasonsButton(node, state.token)),
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
      const data = await request(REPLIES_QUERY, { id, after }, state.token);
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
  if (existing) return;
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
      state.count += 1;
      updateCount();
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
      state.count = Math.max(0, state.count - 1);
      updateCount();
      const element = findComment(id);
      if (element && !element.classList.contains("mine")) element.remove();
    },
  });
  if (state.token) {
    state.live.subscribe(`subscription Mine { myCommentStatusChanged { id status } }`, {}, {
      next: ({ myCommentStatusChanged: comment }) => {
        const element = findComment(comment.id);
        const badge = element?.querySelector(":scope > .meta .badge");
        badge?.remove();
        const fresh = statusBadge(comment.status, true);
        if (element && fresh) element.querySelector(":scope > .meta").append(fresh);
      },
    });
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
  load();
});
