// Tokens page (being built).
import { h, mount } from "./dom.js";

export function render(container) {
  mount(container, h("h1", { id: "page-title", tabindex: "-1" }, "Tokens"));
}
