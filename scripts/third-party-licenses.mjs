// Lists every npm package the bundle carries, with its license text, next to the bundle: the
// MIT, Apache-2.0, ISC and BSD licenses of what we redistribute ask for their notices to travel with it.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package directories (`node_modules/<name>` or `node_modules/@scope/<name>`) of bundled inputs. */
function bundledPackages(metafile) {
  const dirs = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) dirs.add(match[1]);
  }
  return [...dirs];
}

function licenseText(dir) {
  const file = readdirSync(dir).find((name) => /^(licen[cs]e|copying|notice)(\.|$)/i.test(name));
  return file ? readFileSync(join(dir, file), 'utf8').trim() : undefined;
}

export function writeThirdPartyLicenses(metafile, outFile) {
  const packages = bundledPackages(metafile)
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      const license =
        typeof manifest.license === 'string' ? manifest.license : (manifest.license?.type ?? 'see its repository');
      return { name: manifest.name, version: manifest.version, license, text: licenseText(dir) };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  const rule = '='.repeat(80);
  const sections = packages.map(
    (p) =>
      `${rule}\n${p.name}@${p.version} (${p.license})\n${rule}\n\n${p.text ?? `Licensed under ${p.license}; the package ships no license file.`}\n`,
  );
  writeFileSync(
    outFile,
    `THIRD-PARTY LICENSES of dist/gateway.mjs\n\nThe bundle includes these ${packages.length} npm packages (the model catalog's source is credited in THIRD_PARTY_NOTICES).\n\n${sections.join('\n')}`,
  );
  return packages.length;
}
