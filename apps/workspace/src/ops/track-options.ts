// Which optional stages a queue's rows have: verify when auto-verify is on, capabilities when the
// profile lists expected capabilities. Unknown options show the six core stages only (a row the
// device reports at an optional stage still shows it; see trackStages).

import type { TrackOptions } from './row-view.ts';

interface WithProfile {
  profile?: { autoVerify: boolean; expectedCapabilities: readonly unknown[] } | null;
}

export function trackOptionsOf(snapshot: object | null): TrackOptions {
  const p = (snapshot as WithProfile | null)?.profile;
  if (!p) return {};
  return { verify: p.autoVerify, capabilities: p.expectedCapabilities.length > 0 };
}
