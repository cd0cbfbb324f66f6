// fast-check arbitraries shared by the profile, expansion and profile-file tests.
import fc from 'fast-check';
import { PROFILE_BAUDS, type ExpectedCapability, type Profile } from '../src/profile.ts';

const ALL_ADDRESSES = Array.from({ length: 127 }, (_, i) => i); // 0..126

export const nameArb = fc
  .string({ minLength: 1, maxLength: 64 })
  .map((s) => s.trim())
  .filter((s) => s.length > 0 && !/\p{Cc}/u.test(s));

export const capabilitiesArb: fc.Arbitrary<ExpectedCapability[]> = fc.uniqueArray(
  fc.record({
    functionCode: fc.integer({ min: 1, max: 16 }),
    minCompliance: fc.integer({ min: 0, max: 255 }),
    minCount: fc.integer({ min: 0, max: 255 }),
  }),
  { selector: (c) => c.functionCode, maxLength: 16 },
);

/** Any valid profile, as validateProfile would return it. */
export const validProfileArb: fc.Arbitrary<Profile> = fc
  .record({
    name: nameArb,
    deviceCount: fc.integer({ min: 1, max: 126 }),
    addressStrategy: fc.constantFrom('sequential' as const, 'random' as const, 'manual' as const),
    baud: fc.constantFrom(...PROFILE_BAUDS),
    expectedCapabilities: capabilitiesArb,
    timeoutMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 600_000 })),
    autoVerify: fc.boolean(),
  })
  .chain((base) => {
    const manual =
      base.addressStrategy === 'manual'
        ? fc.shuffledSubarray(ALL_ADDRESSES, {
            minLength: base.deviceCount,
            maxLength: base.deviceCount,
          })
        : fc.constant<number[]>([]);
    const start = fc.integer({ min: 0, max: 127 - base.deviceCount });
    return fc
      .record({ manualAddresses: manual, startAddress: start })
      .map((r) => ({ ...base, ...r }) as Profile);
  });

/** A random source in [0, 1) built from generated values (edge values included), cycled. */
export const rngArb = fc
  .array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
    minLength: 1,
    maxLength: 200,
  })
  .map((xs) => {
    let i = 0;
    return () => xs[i++ % xs.length]!;
  });

/** A valid sequential profile to start from in example tests. */
export function baseProfile(over: Partial<Profile> = {}): Profile {
  return {
    name: 'Lobby readers',
    deviceCount: 3,
    addressStrategy: 'sequential',
    startAddress: 1,
    manualAddresses: [],
    baud: 115200,
    expectedCapabilities: [],
    timeoutMs: 0,
    autoVerify: true,
    ...over,
  };
}
