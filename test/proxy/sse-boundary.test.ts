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
});
