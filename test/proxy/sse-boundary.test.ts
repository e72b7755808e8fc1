import { describe, expect, it } from 'vitest';
import { SseBoundary } from '../../src/proxy/sse-boundary.ts';

const text = (b: Buffer | undefined) => b?.toString('utf8');

describe('SseBoundary', () => {
  it('passes whole events straight through', () => {
    const cut = new SseBoundary();
    expect(text(cut.push(Buffer.from('data: a\n\ndata: b\n\n')))).toBe('data: a\n\ndata: b\n\n');
    expect(cut.flush()).toBeUndefined();
  });

  it('holds an incomplete event until its end arrives', () => {
    const cut = new SseBoundary();
    expect(text(cut.push(Buffer.from('data: a\n\ndata: {"x"')))).toBe('data: a\n\n');
    expect(text(cut.push(Buffer.from(':1}\n')))).toBe('');
    expect(text(cut.push(Buffer.from('\ndata: c')))).toBe('data: {"x":1}\n\n');
    expect(text(cut.flush())).toBe('data: c');
  });

  it('understands CRLF framing', () => {
    const cut = new SseBoundary();
    expect(text(cut.push(Buffer.from('data: a\r\n\r\ndata: b\r\n')))).toBe('data: a\r\n\r\n');
    expect(text(cut.push(Buffer.from('\r\n')))).toBe('data: b\r\n\r\n');
  });

  it('is linear: 20 MB of one event in 1-KB chunks costs milliseconds, not seconds (issue 15 item 6)', () => {
    const cut = new SseBoundary();
    const chunk = Buffer.alloc(1024, 0x61);
    const started = performance.now();
    let early = 0;
    for (let i = 0; i < 20 * 1024; i++) early += cut.push(chunk).length;
    expect(early).toBe(0);
    expect(cut.push(Buffer.from('\n\n')).length).toBe(20 * 1024 * 1024 + 2);
    // the quadratic scan took 6 s for 20 MB; this is ~0.1 s alone, bounded loosely for a loaded CI
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('refuses one event past its size limit', () => {
    const cut = new SseBoundary(1000);
    cut.push(Buffer.alloc(600, 0x61));
    expect(() => cut.push(Buffer.alloc(600, 0x61))).toThrow(/over 1000 bytes/);
  });

  it('finds a separator split across chunks', () => {
    const cut = new SseBoundary();
    expect(text(cut.push(Buffer.from('data: a\r')))).toBe('');
    expect(text(cut.push(Buffer.from('\n\r')))).toBe('');
    expect(text(cut.push(Buffer.from('\nrest')))).toBe('data: a\r\n\r\n');
  });
});
