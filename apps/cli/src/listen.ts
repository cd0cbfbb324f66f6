// `--listen` for every server the CLI starts: loopback only, as HOST:PORT or :PORT.

const LOOPBACK = ['127.0.0.1', 'localhost', '::1'];

/** Parses a loopback listen address; throws an Error whose message names the flag and the fix. */
export function parseLoopbackListen(text: string): { host: string; port: number } {
  const m = /^(\[::1\]|[^:\s]*):(\d{1,5})$/.exec(text.trim());
  if (!m || Number(m[2]) > 65535)
    throw new Error(`--listen must be HOST:PORT on loopback, e.g. 127.0.0.1:4001 (got "${text}")`);
  const host = m[1] === '' ? '127.0.0.1' : m[1] === '[::1]' ? '::1' : m[1]!;
  if (!LOOPBACK.includes(host))
    throw new Error(`--listen: only loopback is served (127.0.0.1), not ${host}`);
  return { host, port: Number(m[2]) };
}
