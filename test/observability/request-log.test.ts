import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoNow } from '../../src/observability/request-log.ts';

describe('isoNow', () => {
  it('is what Date#toISOString gives, for any millisecond (the cached second included)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.integer({ min: 0, max: 2500 }), (at, later) => {
        expect(isoNow(at)).toBe(new Date(at).toISOString());
        // The same second again, and a moment later: the cached prefix must not leak across seconds.
        expect(isoNow(at + later)).toBe(new Date(at + later).toISOString());
      }),
    );
  });
});
