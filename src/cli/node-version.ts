/**
 * Imported first by the entry point, before any dependency loads: on an older Node, undici fails at
 * load time with a TypeError that names nothing. One line instead says what is needed.
 */
import pkg from '../../package.json' with { type: 'json' };

/** `>=22.19.0` → [22, 19, 0]. */
const versionOf = (text: string) => (text.match(/\d+(\.\d+){0,2}/)?.[0] ?? '0').split('.').map(Number);

/** The line to print when `running` is older than the `>=x.y.z` range in package.json, else undefined. */
export function nodeVersionProblem(running: string, required: string = pkg.engines.node): string | undefined {
  const have = versionOf(running);
  const need = versionOf(required);
  for (let i = 0; i < 3; i++) {
    const a = have[i] ?? 0;
    const b = need[i] ?? 0;
    if (a > b) return undefined;
    if (a < b)
      return `switchyard needs Node.js ${required.replace(/^>=\s*/, '')} or newer; this is Node.js ${running.replace(/^v/, '')}`;
  }
  return undefined;
}

const problem = nodeVersionProblem(process.versions.node);
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
