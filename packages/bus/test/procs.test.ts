// The transport tests need socat and ser2net; without them they must fail loudly, not skip.
import { describe, expect, it } from 'vitest';
import { requireBinary } from './support/procs.ts';

describe('test prerequisites', () => {
  it('a missing binary fails with a message that says what to install', () => {
    expect(() => requireBinary('osprio-no-such-tool', 'osprio-tool')).toThrow(
      'osprio-no-such-tool is not installed; this test needs it (apt-get install -y osprio-tool). CI installs it.',
    );
  });

  it('socat and ser2net are present here', () => {
    expect(requireBinary('socat', 'socat')).toMatch(/socat$/);
    expect(requireBinary('ser2net', 'ser2net')).toMatch(/ser2net$/);
  });
});
