import { isIPv6 } from 'node:net';

export const PII_KINDS = ['email', 'phone', 'card', 'iban', 'ssn', 'ip'] as const;
export type PiiKind = (typeof PII_KINDS)[number];

/** One piece of text a rule found, by its offsets in the text searched. */
export interface Match {
  start: number;
  end: number;
  /** The PII kind, or the deny rule's name. */
  kind: string;
}

/** A digit sequence whose last digit is its Luhn check digit: what every payment card number is. */
function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** ISO 13616: the IBAN moved four characters on, letters as numbers, is 1 modulo 97. */
function ibanChecks(text: string): boolean {
  const compact = text.replace(/ /g, '');
  const moved = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const char of moved) {
    const value = /\d/.test(char) ? char : String(char.charCodeAt(0) - 55);
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

/**
 * Each kind's candidates and the check a candidate must pass. Kinds are searched in this order and
 * a later match overlapping an earlier one is dropped: a card number is not also a phone number.
 */
const DETECTORS: readonly { kind: PiiKind; pattern: RegExp; valid?: (text: string) => boolean }[] = [
  {
    kind: 'card',
    pattern: /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g,
    valid: (text) => luhn(text.replace(/\D/g, '')),
  },
  { kind: 'iban', pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g, valid: ibanChecks },
  // Area 000, 666 and 9xx, group 00 and serial 0000 are never issued.
  { kind: 'ssn', pattern: /(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/g },
  { kind: 'email', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g },
  {
    kind: 'ip',
    pattern: /(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\w|\.\d)/g,
  },
  { kind: 'ip', pattern: /(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])/g, valid: isIPv6 },
  {
    kind: 'phone',
    pattern:
      /(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?|\d{2,4}[ .-])\d{3,4}[ .-]?\d{3,4}(?!\w)|\+\d{8,15}(?!\w)/g,
  },
];

/** The PII of the given kinds in `text`, in order, none overlapping. */
export function findPii(text: string, kinds: ReadonlySet<PiiKind>): Match[] {
  const found: Match[] = [];
  for (const { kind, pattern, valid } of DETECTORS) {
    if (!kinds.has(kind)) continue;
    for (const match of text.matchAll(pattern)) {
      const start = match.index;
      const end = start + match[0].length;
      if (valid && !valid(match[0])) continue;
      if (found.some((other) => start < other.end && other.start < end)) continue;
      found.push({ start, end, kind });
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

/** The placeholder a redacted value is replaced with: its kind, so the model still reads a sentence. */
const placeholderOf = (kind: string) => `[${kind.toUpperCase()}]`;

/** `text` with every match replaced by its placeholder. */
export function redact(text: string, matches: readonly Match[]): string {
  let out = '';
  let at = 0;
  for (const match of matches) {
    out += text.slice(at, match.start) + placeholderOf(match.kind);
    at = match.end;
  }
  return out + text.slice(at);
}
