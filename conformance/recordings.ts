import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Real provider responses captured from their APIs; present beside the repository, never in it. */
export const RECORDED_DIR = resolve(import.meta.dirname, '../../shared/fixtures/recorded');
export const haveRecordings = existsSync(RECORDED_DIR);

export interface Recording {
  /** Folder (provider) and file name, for test titles. */
  name: string;
  folder: string;
  kind: 'json' | 'chunks';
  text: string;
}

/** Every recording in the given folders whose first object matches `accept`. */
export function recordings(folders: readonly string[], accept: (first: any) => boolean): Recording[] {
  if (!haveRecordings) return [];
  const found: Recording[] = [];
  for (const folder of folders) {
    const dir = join(RECORDED_DIR, folder);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).sort()) {
      const kind = file.endsWith('.chunks.txt') ? 'chunks' : file.endsWith('.json') ? 'json' : undefined;
      if (!kind) continue;
      const text = readFileSync(join(dir, file), 'utf8');
      let first: unknown;
      try {
        first = JSON.parse(kind === 'json' ? text : (text.split('\n')[0] ?? ''));
      } catch {
        continue;
      }
      if (accept(first)) found.push({ name: `${folder}/${file}`, folder, kind, text });
    }
  }
  return found;
}

/** Re-frames a `.chunks.txt` recording of an OpenAI-style stream as the SSE bytes the provider sent. */
export function openAISseFrames(text: string): string[] {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return [...lines.map((line) => `data: ${line}\n\n`), 'data: [DONE]\n\n'];
}
