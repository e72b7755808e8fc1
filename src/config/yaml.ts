/**
 * The YAML parser for configuration files, loaded only when a file named `.yaml`/`.yml` is
 * configured (main.ts calls `preloadYaml` before reading the configuration): evaluating it costs
 * start-up tens of milliseconds that most gateways never need.
 */
let parseYaml: ((text: string) => unknown) | undefined;

export async function preloadYaml(): Promise<void> {
  parseYaml ??= (await import('yaml')).parse;
}

export const isYamlPath = (path: string | undefined): boolean => path !== undefined && /\.ya?ml$/i.test(path);

/** A configuration file's value: YAML by its name, else JSON; throws a one-line reason. */
export function parseConfigFile(text: string, path: string): unknown {
  if (isYamlPath(path)) {
    if (!parseYaml) throw new Error('the YAML parser was not loaded (preloadYaml)');
    try {
      return parseYaml(text);
    } catch (error) {
      throw new Error(`not valid YAML (${(error as Error).message.split('\n')[0]})`);
    }
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new Error('not valid JSON (name the file .yaml or .yml for YAML)');
  }
}
