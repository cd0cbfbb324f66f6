// A duration as a technician reads it in a detail note: "50 ms", "1.3 s", "30 s". Under one second
// it is milliseconds, so a short timeout is never rounded into a misleading "0.1 s".

export function durationText(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${Math.round(ms / 100) / 10} s`;
}
