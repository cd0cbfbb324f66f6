import { describe, expect, it } from 'vitest';
import { queueKey } from '../src/index.ts';

describe('queueKey (the one key of a queue, used by the link server and the device)', () => {
  it('names slots by index and live queues by session id, whatever the UUID case', () => {
    expect(queueKey({ slot: 2 })).toBe('slot:2');
    const id = '0F8F1D2C-5B7A-4C1E-9D3E-2A6B8C4D1E0F';
    expect(queueKey({ live: id })).toBe(`live:${id.toLowerCase()}`);
    expect(queueKey({ live: id })).toBe(queueKey({ live: id.toLowerCase() }));
    expect(queueKey({ slot: 0 })).not.toBe(queueKey({ live: '0' }));
  });
});
