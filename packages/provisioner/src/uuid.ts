// Session ids are UUIDs in canonical text form; the KDF uses their 16 raw bytes (kdf.md).

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A session id in canonical UUID text form (8-4-4-4-12 hex digits, any case). */
export function isUuid(s: unknown): s is string {
  return typeof s === 'string' && UUID_RE.test(s);
}
