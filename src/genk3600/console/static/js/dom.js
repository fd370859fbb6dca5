// A tiny element builder: h("p", {class: "x"}, "text", child). Text is always set as text, never as HTML.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (value === true) {
      element.setAttribute(name, "");
    } else {
      element.setAttribute(name, String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

let uniqueCounter = 0;
export function uid(prefix) {
  uniqueCounter += 1;
  return `${prefix}-${uniqueCounter}`;
}

// A labelled form field: the label's `for` always points at the control, for screen readers and clicks.
export function field(labelText, control, hint) {
  const id = control.id || uid("field");
  control.id = id;
  const parts = [h("label", { for: id }, labelText)];
  if (hint) {
    const hintId = `${id}-hint`;
    control.setAttribute("aria-describedby", hintId);
    parts.push(h("p", { class: "hint", id: hintId }, hint));
  }
  parts.push(control);
  return h("div", { class: "field" }, parts);
}

export function formatDateTime(value, lang) {
  if (!value) return "—";
  return new Intl.DateTimeFormat(`${lang}-BE`, { dateStyle: "short", timeStyle: "short" }).format(new Date(value));
}

export function formatTime(value, lang) {
  if (!value) return "—";
  return new Intl.DateTimeFormat(`${lang}-BE`, { timeStyle: "short" }).format(new Date(value));
}
