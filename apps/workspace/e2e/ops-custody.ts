// The custody scan of issue 11: after a full run, the seed and every SCBK must be absent from every
// browser storage, cookie, URL, console message and the page's DOM (inputs included).
import type { BrowserContext, Page } from '@playwright/test';

/** Everything the page keeps or shows, as one list of (where, text) pairs. */
export async function browserFootprint(
  page: Page,
  context: BrowserContext,
  consoleLines: readonly string[],
): Promise<[string, string][]> {
  const inPage = await page.evaluate(async () => {
    const out: [string, string][] = [];
    for (const [name, store] of [
      ['localStorage', localStorage],
      ['sessionStorage', sessionStorage],
    ] as const) {
      for (let i = 0; i < store.length; i++) {
        const k = store.key(i)!;
        out.push([name, `${k}=${store.getItem(k) ?? ''}`]);
      }
    }
    const dbs = typeof indexedDB.databases === 'function' ? await indexedDB.databases() : [];
    for (const info of dbs) {
      if (!info.name) continue;
      const db = await new Promise<IDBDatabase>((res, rej) => {
        const r = indexedDB.open(info.name!);
        r.onsuccess = () => res(r.result);
        r.onerror = () => rej(r.error);
      });
      for (const storeName of Array.from(db.objectStoreNames)) {
        const all = await new Promise<unknown[]>((res) => {
          const req = db.transaction(storeName, 'readonly').objectStore(storeName).getAll();
          req.onsuccess = () => res(req.result as unknown[]);
          req.onerror = () => res([]);
        });
        out.push([
          `indexedDB ${info.name}/${storeName}`,
          JSON.stringify(all, (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v)),
        ]);
      }
      db.close();
    }
    if ('caches' in self) {
      for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const req of await cache.keys()) {
          const res = await cache.match(req);
          out.push([`cache ${name}`, `${req.url} ${res ? await res.text() : ''}`]);
        }
      }
    }
    out.push(['url', location.href]);
    out.push(['referrer', document.referrer]);
    out.push(['title', document.title]);
    out.push(['document.cookie', document.cookie]);
    out.push(['dom', document.documentElement.outerHTML]);
    for (const el of Array.from(document.querySelectorAll('input, textarea, select')))
      out.push(['form value', (el as HTMLInputElement).value]);
    out.push(['history length', String(history.length)]);
    return out;
  });
  const cookies = await context.cookies();
  return [
    ...inPage,
    ...cookies.map((c): [string, string] => ['cookie', `${c.name}=${c.value}`]),
    ['page url', page.url()],
    ...consoleLines.map((l): [string, string] => ['console', l]),
  ];
}

/** The forms a 16-byte secret could take in text: hex (both cases) and base64. */
export function secretForms(hex: string): string[] {
  const bytes = Buffer.from(hex, 'hex');
  return [
    hex.toLowerCase(),
    hex.toUpperCase(),
    bytes.toString('base64').replace(/=+$/, ''),
    bytes.toString('base64url'),
  ];
}

/** Where any of the secrets appears (empty = nothing found). */
export function findSecrets(
  footprint: readonly [string, string][],
  secretsHex: readonly string[],
): string[] {
  const hits: string[] = [];
  for (const hex of secretsHex) {
    const forms = secretForms(hex);
    for (const [where, text] of footprint)
      if (forms.some((f) => text.includes(f))) hits.push(where);
  }
  return hits;
}
