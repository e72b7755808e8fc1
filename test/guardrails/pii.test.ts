import { describe, expect, it } from 'vitest';
import { findPii, PII_KINDS, redact } from '../../src/guardrails/pii.ts';

const all = new Set(PII_KINDS);
const redacted = (text: string) => redact(text, findPii(text, all));

describe('PII detection', () => {
  it.each([
    ['email', 'write to jane.doe+work@mail.example.co.uk today', 'write to [EMAIL] today'],
    ['phone (US, dashes)', 'call 555-123-4567 now', 'call [PHONE] now'],
    ['phone (US, brackets)', 'call (555) 123-4567 now', 'call [PHONE] now'],
    ['phone (international)', 'call +44 20 7946 0958 now', 'call [PHONE] now'],
    ['phone (E.164)', 'call +14155552671 now', 'call [PHONE] now'],
    ['card (spaced)', 'pay with 4111 1111 1111 1111 please', 'pay with [CARD] please'],
    ['card (plain)', 'pay with 5500005555555559 please', 'pay with [CARD] please'],
    ['IBAN (spaced)', 'send to GB82 WEST 1234 5698 7654 32 ok', 'send to [IBAN] ok'],
    ['IBAN (compact)', 'send to DE89370400440532013000 ok', 'send to [IBAN] ok'],
    ['US SSN', 'my SSN is 078-05-1120.', 'my SSN is [SSN].'],
    ['IPv4', 'the host 192.168.10.20 is down', 'the host [IP] is down'],
    ['IPv6', 'the host 2001:db8::8a2e:370:7334 is down', 'the host [IP] is down'],
  ])('%s', (_kind, text, expected) => {
    expect(redacted(text)).toBe(expected);
  });

  it.each([
    ['a card number failing the Luhn check', 'order 4111111111111112 shipped'],
    ['an IBAN failing its check digits', 'ref GB00WEST12345698765432'],
    ['an SSN never issued (area 000)', 'id 000-12-3456'],
    ['dates, versions, times and decimals', 'on 2024-01-15 at 12:30:45 v1.2.3 pi 3.14159 build 1234'],
  ])('leaves alone %s', (_what, text) => {
    expect(redacted(text)).toBe(text);
  });

  it('finds only the kinds asked for', () => {
    const text = 'jane@example.com 555-123-4567';
    expect(redact(text, findPii(text, new Set(['email'])))).toBe('[EMAIL] 555-123-4567');
  });
});
