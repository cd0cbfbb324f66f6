import { describe, expect, it } from 'vitest';
import {
  WebSocketConnection,
  createMemoryPair,
  sendableClose,
  type WebSocketLike,
} from '../src/index.ts';
import { tick } from './fixtures.ts';

/** A WebSocket that behaves like the browser's where it matters: close() throws on codes the
 *  application may not send. */
class FakeSocket implements WebSocketLike {
  readyState = 1;
  binaryType = 'blob';
  sent: string[] = [];
  closedWith: [number, string] | null = null;
  private ls = new Map<string, ((ev: never) => void)[]>();
  send(d: string) {
    this.sent.push(d);
  }
  close(code = 1000, reason = '') {
    if (code !== 1000 && (code < 3000 || code > 4999))
      throw new DOMException('invalid code', 'InvalidAccessError');
    this.closedWith = [code, reason];
    this.readyState = 3;
  }
  addEventListener(type: string, l: (ev: never) => void) {
    this.ls.set(type, [...(this.ls.get(type) ?? []), l]);
  }
  fire(type: string, ev: unknown) {
    for (const l of this.ls.get(type) ?? []) l(ev as never);
  }
}

describe('WebSocketConnection', () => {
  it('holds frames that arrive before a listener, and passes binary frames as bytes', () => {
    const ws = new FakeSocket();
    const conn = new WebSocketConnection(ws);
    expect(ws.binaryType).toBe('arraybuffer');
    ws.fire('message', { data: '{"a":1}' });
    ws.fire('message', { data: Uint8Array.of(1, 2).buffer });
    const got: unknown[] = [];
    conn.onMessage((d) => got.push(d));
    expect(got).toEqual(['{"a":1}', Uint8Array.of(1, 2)]);
  });

  it('close never throws, whatever code it is given, and reports once', () => {
    const ws = new FakeSocket();
    const conn = new WebSocketConnection(ws);
    const seen: unknown[] = [];
    conn.onClose((i) => seen.push(i));
    expect(() => conn.close(1009, 'x'.repeat(300))).not.toThrow();
    expect(ws.closedWith![0]).toBe(1000);
    expect(ws.closedWith![1]).toHaveLength(120);
    ws.fire('close', { code: 1000, reason: '' });
    expect(seen).toEqual([{ code: 1009, reason: 'x'.repeat(300) }]);
    conn.send('after close');
    expect(ws.sent).toEqual([]);
  });

  it('sendableClose keeps application codes and maps the rest to 1000', () => {
    expect(sendableClose(4409, 'device in use')).toEqual([4409, 'device in use']);
    expect(sendableClose(1006, 'dropped')).toEqual([1000, 'dropped']);
    expect(sendableClose(4000, 'é')[1]).toBe('?');
  });
});

describe('memory transport', () => {
  it('delivers asynchronously, in order, and close reaches both ends once', async () => {
    const [a, b] = createMemoryPair();
    const got: unknown[] = [];
    b.onMessage((d) => got.push(d));
    a.send('1');
    a.send('2');
    expect(got).toEqual([]);
    await tick();
    expect(got).toEqual(['1', '2']);
    const closes: unknown[] = [];
    a.onClose((i) => closes.push(['a', i]));
    b.onClose((i) => closes.push(['b', i]));
    a.close(4000, 'bye');
    a.close(4001, 'again');
    await tick();
    expect(closes).toEqual([
      ['a', { code: 4000, reason: 'bye' }],
      ['b', { code: 4000, reason: 'bye' }],
    ]);
    b.send('lost');
    await tick();
    expect(got).toEqual(['1', '2']);
  });
});
