import { Counter, Histogram, Registry } from 'prom-client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CounterSeries, HistogramSeries } from '../../src/observability/series.ts';

const BOUNDS = [0.001, 0.01, 0.1, 1];
const LABEL = fc.constantFrom('a', 'b', 'with "quote"', 'back\\slash', 'new\nline');

describe('series: what prom-client would render for the same updates', () => {
  it('counters and histograms, any label values and observations (bounds included)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            LABEL,
            LABEL,
            fc.oneof(fc.constantFrom(...BOUNDS, 0, 5), fc.double({ min: 0, max: 2, noNaN: true })),
          ),
          { maxLength: 30 },
        ),
        async (updates) => {
          const [ours, theirs] = [new Registry(), new Registry()];
          const counter = new CounterSeries('c_total', 'help', ['x', 'y'], ours);
          const histogram = new HistogramSeries('h_seconds', 'help', ['x', 'y'], BOUNDS, ours);
          const promCounter = new Counter({
            name: 'c_total',
            help: 'help',
            labelNames: ['x', 'y'],
            registers: [theirs],
          });
          const promHistogram = new Histogram({
            name: 'h_seconds',
            help: 'help',
            labelNames: ['x', 'y'],
            buckets: BOUNDS,
            registers: [theirs],
          });
          for (const [x, y, value] of updates) {
            counter.inc({ x, y }, value);
            promCounter.inc({ x, y }, value);
            histogram.observe({ x, y }, value);
            promHistogram.observe({ x, y }, value);
          }
          expect(await ours.metrics()).toBe(await theirs.metrics());
        },
      ),
      { numRuns: 100 },
    );
  });
});
