import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unknownVariableWarnings } from '../../src/config/checks.ts';
import { loadConfig } from '../../src/config/config.ts';
import { problemsOf } from '../helpers/config.ts';

describe('configuration mistakes', () => {
  it('warns about unknown variables under a known prefix or a letter away from a known name', () => {
    const config = loadConfig({
      OPENAI_APIKEY: 'x',
      ANTROPIC_API_KEY: 'x',
      GATEWAY_API_KEY: 'x',
      RATE_LIMIT_RPS: '5',
      PATH: '/usr/bin',
      HOME: '/root',
      HOSTNAME: 'box',
    });
    expect(config.warnings).toEqual([
      'OPENAI_APIKEY is not a Switchyard variable and is ignored; did you mean OPENAI_API_KEY?',
      'ANTROPIC_API_KEY is not a Switchyard variable and is ignored; did you mean ANTHROPIC_API_KEY?',
      'GATEWAY_API_KEY is not a Switchyard variable and is ignored; did you mean GATEWAY_API_KEYS?',
      'RATE_LIMIT_RPS is not a Switchyard variable and is ignored; did you mean RATE_LIMIT_RPM?',
    ]);
  });

  it('names the same closest variable as a full edit-distance table would, for any names', () => {
    const full = (a: string, b: string) => {
      let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
      for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++)
          current[j] = Math.min(
            previous[j]! + 1,
            current[j - 1]! + 1,
            previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
          );
        previous = current;
      }
      return previous[b.length]!;
    };
    // A small alphabet, so that near misses are common; OPENAI_ is an own prefix, XPENAI_ is not.
    const tail = fc.string({ unit: fc.constantFrom('A', 'B', '_'), minLength: 1, maxLength: 9 });
    fc.assert(
      fc.property(
        fc.uniqueArray(tail, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('OPENAI_', 'XPENAI_'),
        tail,
        (knownTails, prefix, nameTail) => {
          const known = knownTails.map((t) => `OPENAI_${t}`);
          const name = prefix + nameTail;
          if (known.includes(name)) return;
          let best = Number.POSITIVE_INFINITY;
          let closest = '';
          for (const candidate of known) {
            const d = full(name, candidate);
            if (d < best) [best, closest] = [d, candidate];
          }
          const warned = prefix === 'OPENAI_' || (name.length >= 8 && best <= 2);
          expect(unknownVariableWarnings({ [name]: 'x' }, new Set(known))).toEqual(
            warned ? [`${name} is not a Switchyard variable and is ignored; did you mean ${closest}?`] : [],
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses provider keys with surrounding whitespace or characters a header cannot carry, never echoing them', () => {
    const problems = problemsOf({ OPENAI_API_KEY: 'sk-abc\n', ANTHROPIC_API_KEY: 'sk-ant-clé' });
    expect(problems).toEqual([
      'OPENAI_API_KEY: has leading or trailing whitespace; remove it',
      'ANTHROPIC_API_KEY: contains a character an HTTP header cannot carry (only printable ASCII is allowed)',
    ]);
  });

  it("refuses a custom provider's api_key or header that HTTP cannot carry, naming the variable", () => {
    const problems = problemsOf({
      CUSTOM_PROVIDERS: JSON.stringify([
        { name: 'lab', base_url: 'http://127.0.0.1:1/v1', api_key: 'kéy-secret', headers: { 'x-team': 'a\nb' } },
      ]),
    });
    expect(problems).toEqual([
      "CUSTOM_PROVIDERS: provider 'lab' api_key: contains a character an HTTP header cannot carry (only printable ASCII is allowed)",
      "CUSTOM_PROVIDERS: provider 'lab' header 'x-team': contains a character an HTTP header cannot carry (only printable ASCII is allowed)",
    ]);
    expect(problems.join('\n')).not.toContain('secret');
  });

  it('trims gateway keys around commas and after `name:`, and refuses a space inside one', () => {
    const config = loadConfig({ GATEWAY_API_KEYS: ' ops: sk-gw-1 , sk-gw-2 ' });
    expect(config.gatewayKeys?.authenticate({ authorization: 'Bearer sk-gw-1' })?.name).toBe('ops');
    expect(config.gatewayKeys?.authenticate({ authorization: 'Bearer sk-gw-2' })?.name).toBe('key-2');
    expect(problemsOf({ GATEWAY_API_KEYS: 'sk-gw-1 sk-gw-2' })).toEqual([
      'GATEWAY_API_KEYS: a key contains a space; separate keys with commas or newlines',
    ]);
  });

  it('refuses ROUTES targets whose provider is not active', () => {
    expect(
      problemsOf({
        OPENAI_API_KEY: 'sk-x',
        ROUTES: JSON.stringify({ smart: ['openai/gpt-4o', 'anthropic/claude-sonnet-4-6'] }),
      }),
    ).toEqual(["ROUTES: route 'smart': provider 'anthropic' is not active; set its environment variables"]);
  });

  it('names the line and column of a JSON error, without quoting the text', () => {
    expect(problemsOf({ ROUTES: '{\n  "smart": ["openai/gpt-4o",]\n}' })).toEqual([
      'ROUTES: not valid JSON at line 2, column 29',
    ]);
    expect(problemsOf({ ROUTES: '{"smart": ' })).toEqual(['ROUTES: not valid JSON at line 1, column 11']);
    const custom = problemsOf({ CUSTOM_PROVIDERS: '[{"name": "x", "api_key": "sk-very-secret" oops}]' });
    expect(custom).toEqual(['CUSTOM_PROVIDERS: not valid JSON at line 1, column 44']);
  });

  it('says when a cloud provider is active only through ambient variables', () => {
    expect(loadConfig({ AWS_REGION: 'eu-west-1' }).warnings).toEqual([
      'bedrock is active only because AWS_REGION is set in the environment (platforms set these for every program); unset it for the gateway if you did not mean to use it',
    ]);
    expect(loadConfig({ AWS_REGION: 'eu-west-1', BEDROCK_BASE_URL: 'http://127.0.0.1:1' }).warnings).toEqual([]);
  });

  it('binds loopback without a gateway key, every interface with one, and HOST always wins', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ GATEWAY_API_KEYS: 'sk-gw-123456' }).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });
});
