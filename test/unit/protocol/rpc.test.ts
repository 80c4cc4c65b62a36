import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtocolError } from '../../../src/protocol/guards';
import { parseClientMessage, parseEngineMessage } from '../../../src/protocol/rpc';

test('valid client and engine messages parse', () => {
  assert.deepEqual(parseClientMessage({ kind: 'request', id: 1, method: 'ping', params: { a: 1 } }), {
    kind: 'request',
    id: 1,
    method: 'ping',
    params: { a: 1 },
  });
  assert.deepEqual(parseClientMessage({ kind: 'cancel', id: 3 }), { kind: 'cancel', id: 3 });
  // A client that listens to none of a request's events says so.
  assert.deepEqual(parseClientMessage({ kind: 'request', id: 2, method: 'generate', events: false }), { kind: 'request', id: 2, method: 'generate', params: null, events: false });
  assert.equal(parseEngineMessage({ kind: 'response', id: 1, ok: false, error: { code: 'E', message: 'm' } }).kind, 'response');
});

test('malformed messages name the bad field', () => {
  assert.throws(() => parseClientMessage(null), ProtocolError);
  assert.throws(() => parseClientMessage({ kind: 'request', id: 'x', method: 'm' }), /message\.id/);
  assert.throws(() => parseClientMessage({ kind: 'shout', id: 1 }), /message\.kind/);
  assert.throws(() => parseClientMessage({ kind: 'request', id: 1, method: 'm', events: true }), /message\.events: expected false or nothing/);
  assert.throws(() => parseEngineMessage({ kind: 'response', id: 1, ok: 'yes' }), /message\.ok/);
});
