// The browser's CSPRNG, the random source of a plan's random address strategy.
export function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}
