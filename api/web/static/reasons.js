// The author's view of a statement of reasons (DSA Art. 17) and their appeal (Art. 20),
// on the reader page: a "Why?" button beside their own held or removed comment.
import { request } from "./gql.js";
import { clear, h } from "./dom.js";

const STATEMENT = `query Why($id: ID!) { comment(id: $id) { id statementOfReasons {
  restriction facts groundKind ground groundText explanation automatedDetection
  automatedDecision modelVersion triggers redress appealUntil appeal { status decisionReason } } } }`;
const APPEAL = `mutation Appeal($input: AppealDecisionInput!) { appealDecision(input: $input) { appeal { status } } }`;

function automation(s) {
  if (s.automatedDecision) {
    return `This decision was taken by automated means${s.automatedDetection ? ` (detected by ${s.modelVersion || "the site's rules"}: ${s.triggers.join(", ")})` : ` (${s.triggers.join(", ")})`}; no moderator has looked at it yet.`;
  }
  if (s.automatedDetection) return `Automated means flagged it (${s.modelVersion || "the site's rules"}: ${s.triggers.join(", ")}); a moderator decided.`;
  return "A moderator decided; no automated means were used.";
}

function render(box, commentId, s, token) {
  clear(box);
  if (!s) {
    box.append(h("p", {}, "No statement of reasons was recorded for this comment."));
    return;
  }
  const ground = s.groundKind === "LAW" ? `the law: ${s.ground}` : `the site's rule "${s.groundText || s.ground}"`;
  box.append(
    h("p", { class: "facts" }, s.facts),
    h("p", { class: "ground" }, `Ground: ${ground}.`),
    s.explanation ? h("p", { class: "explanation" }, s.explanation) : null,
    h("p", { class: "automation" }, automation(s)),
  );
  if (s.appeal) {
    const outcome = s.appeal.status === "PENDING" ? "Your appeal is waiting for a moderator." : `Your appeal was ${s.appeal.status.toLowerCase()}${s.appeal.decisionReason ? `: ${s.appeal.decisionReason}` : "."}`;
    box.append(h("p", { class: "appeal-status" }, outcome));
    return;
  }
  box.append(h("p", { class: "redress" }, s.redress));
  const text = h("textarea", { rows: 3, maxlength: 5000, placeholder: "Why should this decision change?", "aria-label": "Your appeal" });
  const message = h("p", { class: "form-message", role: "status" });
  const form = h("form", { class: "appeal-form", onsubmit: async (event) => {
    event.preventDefault();
    try {
      await request(APPEAL, { input: { commentId, explanation: text.value } }, token);
      await open(box, commentId, token);
    } catch (error) {
      message.textContent = error.message;
    }
  } }, text, h("button", { type: "submit" }, "Appeal"), message);
  box.append(form);
}

async function open(box, commentId, token) {
  try {
    const data = await request(STATEMENT, { id: commentId }, token);
    render(box, commentId, data.comment?.statementOfReasons ?? null, token);
  } catch (error) {
    clear(box).append(h("p", { class: "error" }, error.message));
  }
}

// A button that opens the statement under the comment; null when there is nothing to explain.
export function reasonsButton(node, token) {
  if (!token || (node.status !== "PENDING" && node.status !== "REJECTED")) return null;
  const box = h("div", { class: "statement", hidden: true });
  const button = h("button", { type: "button", class: "link why", onclick: async () => {
    box.hidden = !box.hidden;
    if (!box.hidden) await open(box, node.id, token);
  } }, "Why?");
  return [button, box];
}
