// Building elements: user text only ever becomes text nodes, never markup.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") element.className = value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "value" || name === "checked") element[name] = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(element) {
  element.replaceChildren();
  return element;
}

export function formatTime(iso) {
  const date = new Date(iso);
  const seconds = Math.round((Date.now() - date.getTime()) / 1000);
  let relative;
  if (seconds < 45) relative = "just now";
  else if (seconds < 3600) relative = `${Math.round(seconds / 60)} min ago`;
  else if (seconds < 86400) relative = `${Math.round(seconds / 3600)} h ago`;
  else relative = date.toLocaleDateString();
  return h("time", { datetime: iso, title: date.toLocaleString() }, relative);
}

// Spans are offsets in code points (the server counts Python characters), so the
// body is cut as an array of code points, not as UTF-16 units.
export function highlighted(body, reasons) {
  const chars = Array.from(body);
  const marks = [];
  for (const reason of reasons) {
    for (const span of reason.spans ?? []) {
      const start = Math.max(0, span.start);
      const end = Math.min(chars.length, span.end);
      if (end > start) marks.push({ start, end, codes: [reason.code] });
    }
  }
  marks.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged = [];
  for (const mark of marks) {
    const last = merged[merged.length - 1];
    if (last && mark.start < last.end) {
      last.end = Math.max(last.end, mark.end);
      for (const code of mark.codes) if (!last.codes.includes(code)) last.codes.push(code);
    } else merged.push({ ...mark, codes: [...mark.codes] });
  }
  const parts = [];
  let at = 0;
  for (const mark of merged) {
    if (mark.start > at) parts.push(chars.slice(at, mark.start).join(""));
    parts.push(
      h("mark", { title: mark.codes.join(", "), dataset: { codes: mark.codes.join(" ") } },
        chars.slice(mark.start, mark.end).join("")),
    );
    at = mark.end;
  }
  if (at < chars.length) parts.push(chars.slice(at).join(""));
  return parts;
}
