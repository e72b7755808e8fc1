import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/store/record.ts';
import { RequestLogWriter } from '../../src/store/writer.ts';
import { requestRecord } from '../helpers/request-records.ts';

function writer(options: { fail?: () => boolean; maxBuffered?: number } = {}) {
  const batches: string[][] = [];
  const dropped: number[] = [];
  const errors: unknown[] = [];
  const w = new RequestLogWriter({
    write: async (records: readonly RequestRecord[]) => {
      if (options.fail?.()) throw new Error('store down');
      batches.push(records.map((r) => r.requestId));
    },
    intervalMs: 20,
    maxBuffered: options.maxBuffered,
    onDrop: (n) => dropped.push(n),
    onWriteError: (error) => errors.push(error),
  });
  return { w, batches, dropped, errors };
}

describe('request log writer', () => {
  it('writes the records of one interval in one batch, off the caller', async () => {
    const { w, batches } = writer();
    for (let i = 0; i < 50; i++) w.add(requestRecord({ requestId: `r${i}` }));
    expect(batches).toEqual([]);
    await sleep(60);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toEqual(Array.from({ length: 50 }, (_, i) => `r${i}`));
  });

  it('keeps records while the store fails and writes them, in order, once it answers', async () => {
    let down = true;
    const { w, batches, errors } = writer({ fail: () => down });
    w.add(requestRecord({ requestId: 'first' }));
    await sleep(60);
    w.add(requestRecord({ requestId: 'second' }));
    await w.flush();
    expect(batches).toEqual([]);
    expect(errors).toHaveLength(1); // one warning per outage, not per try
    down = false;
    await w.flush();
    expect(batches).toEqual([['first', 'second']]);
  });

  it('drops the oldest records past its bound and says how many', async () => {
    const { w, batches, dropped } = writer({ fail: () => true, maxBuffered: 3 });
    for (let i = 0; i < 5; i++) w.add(requestRecord({ requestId: `r${i}` }));
    expect(dropped).toEqual([1, 1]);
    expect(w.buffered).toBe(3);
    await w.close();
    expect(batches).toEqual([]);
  });

  it('writes what is left when closed', async () => {
    const { w, batches } = writer();
    w.add(requestRecord({ requestId: 'last' }));
    await w.close();
    expect(batches).toEqual([['last']]);
    w.add(requestRecord({ requestId: 'after' }));
    expect(w.buffered).toBe(0);
  });
});
