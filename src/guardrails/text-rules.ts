import { findPii, type Match, redact } from './pii.ts';
import type { Rule } from './rules.ts';

/** The rules that read text: PII and deny lists. */
export type TextRule = Extract<Rule, { type: 'pii' | 'deny' }>;

/** What the text rules found in one text. */
export interface Scan {
  /** Matches to act on, in order, none overlapping, each with the rule that found it. */
  matches: (Match & { rule: TextRule })[];
  /** The first rule that refuses the text, and why (never the text itself). */
  block: { rule: string; reason: string } | undefined;
}

const actionOf = (rule: TextRule) => (rule.type === 'deny' ? 'block' : rule.action);

export function scan(rules: readonly TextRule[], text: string): Scan {
  const matches: Scan['matches'] = [];
  let block: Scan['block'];
  for (const rule of rules) {
    const found: Match[] =
      rule.type === 'pii'
        ? findPii(text, rule.kinds)
        : rule.patterns.flatMap((pattern) =>
            [...text.matchAll(pattern)].map((m) => ({ start: m.index, end: m.index + m[0].length, kind: rule.name })),
          );
    for (const match of found) {
      if (matches.some((other) => match.start < other.end && other.start < match.end)) continue;
      matches.push({ ...match, rule });
      if (!block && actionOf(rule) === 'block')
        block = {
          rule: rule.name,
          reason: rule.type === 'deny' ? 'the text matches a denied pattern' : `the text contains ${match.kind} data`,
        };
    }
  }
  return { matches: matches.sort((a, b) => a.start - b.start), block };
}

/** `text` with the matches of redacting rules replaced by their placeholders. */
export const redacted = (text: string, matches: Scan['matches']) =>
  redact(
    text,
    matches.filter((m) => m.rule.type === 'pii' && m.rule.action === 'redact'),
  );

/** Characters of a streamed answer held back so that a value split across events is still seen whole. */
const HOLD_BACK = 64;

/**
 * A streamed answer's text as the text rules let it through. Text is held back until it is at
 * least HOLD_BACK characters behind the newest and at a whitespace boundary, and never cut inside
 * a match, so that an email address or card number arriving in several deltas is found whole.
 */
export class HeldText {
  #buffer = '';
  readonly #rules: readonly TextRule[];
  readonly #onMatch: (match: Scan['matches'][number]) => void;

  constructor(rules: readonly TextRule[], onMatch: (match: Scan['matches'][number]) => void) {
    this.#rules = rules;
    this.#onMatch = onMatch;
  }

  /** Adds a delta; returns the text now safe to send, or the block. */
  push(delta: string): { text: string } | { block: NonNullable<Scan['block']> } {
    this.#buffer += delta;
    return this.#release(false);
  }

  /** The answer's text ends here (or another kind of event follows): everything held goes. */
  flush(): { text: string } | { block: NonNullable<Scan['block']> } {
    return this.#release(true);
  }

  #release(all: boolean): { text: string } | { block: NonNullable<Scan['block']> } {
    const buffer = this.#buffer;
    if (buffer === '') return { text: '' };
    const found = scan(this.#rules, buffer);
    if (found.block) return { block: found.block };
    let cut = buffer.length;
    if (!all) {
      cut = Math.max(0, buffer.length - HOLD_BACK);
      const space = lastSpaceBefore(buffer, cut);
      // A long run without spaces (code, a URL) is cut anyway rather than held to the end.
      if (space >= 0 || buffer.length <= 4 * HOLD_BACK) cut = space + 1;
      for (const match of found.matches) if (match.start < cut && match.end > cut) cut = match.start;
    }
    if (cut === 0) return { text: '' };
    const released = found.matches.filter((match) => match.end <= cut);
    for (const match of released) this.#onMatch(match);
    this.#buffer = buffer.slice(cut);
    return { text: redacted(buffer.slice(0, cut), released) };
  }
}

function lastSpaceBefore(text: string, end: number): number {
  for (let i = end - 1; i >= 0; i--) if (/\s/.test(text[i] as string)) return i;
  return -1;
}
