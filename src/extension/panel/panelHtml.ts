// The runs panel's HTML and Content-Security-Policy. Pure (no 'vscode' import) so the harness
// page used by the screenshot test and the benchmark is built by exactly the same code.
import { randomBytes } from 'node:crypto';

export interface PanelHtmlInput {
  /** URI of dist/webview/panel.js as the webview sees it (asWebviewUri). */
  scriptUri: string;
  /** URI of dist/webview/panel.css. */
  styleUri: string;
  /** webview.cspSource: the webview's own resource origin. */
  cspSource: string;
  /** Extra stylesheets (harness theme); same origin only. */
  extraStyleUris?: string[];
  nonce?: string;
}

/** A fresh per-load nonce: 128 random bits. */
export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * default-src 'none'; scripts only with the nonce; styles and fonts only from the webview's
 * origin; images from it and data: (uPlot draws on canvas, no images needed otherwise).
 */
export function panelCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function panelHtml(input: PanelHtmlInput): string {
  const nonce = input.nonce ?? makeNonce();
  const styles = [input.styleUri, ...(input.extraStyleUris ?? [])].map((href) => `<link rel="stylesheet" href="${escapeAttribute(href)}">`).join('\n    ');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${escapeAttribute(panelCsp(input.cspSource, nonce))}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    ${styles}
    <title>Promptsmith Runs</title>
  </head>
  <body>
    <main id="app" aria-label="Promptsmith runs"><p>Loading…</p></main>
    <script nonce="${escapeAttribute(nonce)}" src="${escapeAttribute(input.scriptUri)}"></script>
  </body>
</html>
`;
}
