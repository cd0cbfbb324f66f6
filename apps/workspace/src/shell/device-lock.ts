// One tab per device, across every tab and window of this browser profile: a Web Lock named after
// the device, held for as long as the tab is connected to it. The device's own one-host rule
// still stands behind this (another browser or the CLI gets device_in_use from the device).

export type DeviceLock = { ok: true; release: () => void } | { ok: false };

export function deviceLockName(key: string): string {
  return `osprio-device:${key}`;
}

/** Takes the device's lock if nobody holds it; never waits. */
export function tryLockDevice(
  key: string,
  locks: LockManager | undefined = globalThis.navigator?.locks,
): Promise<DeviceLock> {
  // Without the API (an insecure context) the device's own rule is the only guard.
  if (!locks) return Promise.resolve({ ok: true, release: () => {} });
  return new Promise((resolve) => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    locks
      .request(deviceLockName(key), { ifAvailable: true }, async (lock) => {
        if (!lock) {
          resolve({ ok: false });
          return;
        }
        resolve({ ok: true, release });
        await held;
      })
      .catch(() => resolve({ ok: false }));
  });
}
