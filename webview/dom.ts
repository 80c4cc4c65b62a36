// Tiny DOM builder. Text always goes in through textContent, never innerHTML, so run data
// (prompt text, file names, error messages) can never become markup.

type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Record<string, string>, children?: Child[]): HTMLElementTagNameMap[K];
export function el(tag: string, attrs?: Record<string, string>, children?: Child[]): HTMLElement;
export function el(tag: string, attrs: Record<string, string> = {}, children: Child[] = []): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  append(node, children);
  return node;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

export function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

export function replaceChildren(node: Node, children: Child[]): void {
  clear(node);
  append(node, children);
}

/** A vscode-button with a text label that runs `onClick` (mouse, Enter and Space alike). */
export function button(label: string, onClick: () => void, options: { secondary?: boolean; title?: string; disabled?: boolean } = {}): HTMLElement {
  const b = el('vscode-button', options.title ? { title: options.title, 'aria-label': options.title } : {}, [label]);
  if (options.secondary) b.setAttribute('secondary', '');
  if (options.disabled) b.setAttribute('disabled', '');
  b.addEventListener('click', () => {
    if (!b.hasAttribute('disabled')) onClick();
  });
  return b;
}
