import { expect, it } from 'vitest';
import { osdpVectors, libosdpCaptures, kdfVectors } from '../../../test-support/shared.ts';

it('loads the shared vector files from disk', () => {
  expect(osdpVectors.crc16.check_123456789).toBe('E5CC');
  expect(libosdpCaptures.observed_libosdp_pd.exchanges.length).toBeGreaterThan(10);
  expect(kdfVectors.cases).toHaveLength(15);
});
