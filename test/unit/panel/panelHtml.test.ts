import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeNonce, panelCsp, panelHtml } from '../../../src/extension/panel/panelHtml';

test('the panel CSP allows nothing by default, scripts only by nonce, styles only from the webview origin', () => {
  const csp = panelCsp('https://webview.origin', 'abc123');
  assert.match(csp, /^default-src 'none'; /);
  assert.match(csp, /script-src 'nonce-abc123'(;|$)/);
  assert.match(csp, /style-src https:\/\/webview\.origin(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
});

test('each load gets a fresh nonce, used on the one script tag; URIs are attribute-escaped', () => {
  const a = makeNonce();
  const b = makeNonce();
  assert.notEqual(a, b);
  assert.ok(Buffer.from(a, 'base64').length === 16);
  const html = panelHtml({ scriptUri: 'https://x/panel.js?a="b"', styleUri: 'https://x/panel.css', cspSource: 'https://x', nonce: a });
  assert.equal(html.match(/<script/g)?.length, 1);
  assert.ok(html.includes(`<script nonce="${a}" src="https://x/panel.js?a=&quot;b&quot;"></script>`));
  assert.ok(html.includes(`script-src 'nonce-${a}'`));
  assert.doesNotMatch(html, /<style|style="/);
});
