import type { AddressInfo } from 'node:net';
import pkg from '../package.json' with { type: 'json' };
import type { Catalog } from './catalog/catalog.ts';
import { loadCatalog } from './catalog/load.ts';
import { type CliOptions, HELP, parseCli } from './cli/args.ts';
import { type Config, ConfigError, loadConfig } from './config/config.ts';
import { environmentWithEnvFile } from './config/env-file.ts';
import { isYamlPath, preloadYaml } from './limits/gateway-keys.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import type { Env } from './providers/types.ts';
import { createGateway } from './server/server.ts';

/** The environment the gateway runs with: the real one, over `--env-file`s (later wins), over ./.env. */
function environment(options: CliOptions): Env {
  const files = ['.env', ...options.envFiles];
  let env: Env = {};
  for (const file of files) env = { ...env, ...environmentWithEnvFile({}, file, file !== '.env') };
  env = { ...env, ...process.env };
  // Flags are the most specific: they win over every variable.
  if (options.port !== undefined) env = { ...env, PORT: options.port };
  if (options.host !== undefined) env = { ...env, HOST: options.host };
  return env;
}

/** Start-up warnings worth an operator's attention; also printed by --check. */
function warnings(config: Config): string[] {
  const found: string[] = [];
  if (config.providers.size === 0) found.push('no provider is active: set a provider key such as OPENAI_API_KEY');
  if (!config.gatewayKeys)
    found.push('GATEWAY_API_KEYS is not set: anyone who can reach this port can spend the configured provider keys');
  return found;
}

function fail(message: string): never {
  process.stderr.write(`switchyard: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  let options: CliOptions;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (error) {
    fail(`${(error as Error).message}\nRun 'switchyard --help' for the options.`);
  }
  if (options.help) return void process.stdout.write(HELP);
  if (options.version) return void process.stdout.write(`${pkg.version}\n`);

  let config: Config;
  let logger: Logger;
  let catalog: Catalog;
  try {
    const env = environment(options);
    if (isYamlPath(env.GATEWAY_API_KEYS_FILE)) await preloadYaml();
    config = loadConfig(env);
    logger = createLogger(options.check ? 'silent' : config.logLevel);
    catalog = await loadCatalog({ file: config.catalogFile, url: config.catalogUrl }, logger);
  } catch (error) {
    if (!(error instanceof ConfigError || (error as NodeJS.ErrnoException).code === 'ENV_FILE')) throw error;
    fail((error as Error).message);
  }

  if (options.check) {
    const lines = [
      'configuration is valid',
      `listen: ${config.host}:${config.port}`,
      `active providers: ${[...config.providers.keys()].join(', ') || 'none'}`,
      'provider selection: X-Provider header, model prefix, catalog, model family, ' +
        (config.defaultProvider ? `DEFAULT_PROVIDER (${config.defaultProvider})` : 'only active provider'),
      `catalog: ${catalog.size} models`,
      ...warnings(config).map((warning) => `warning: ${warning}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return;
  }

  const gateway = createGateway({ config, logger, catalog });
  let address: AddressInfo;
  try {
    address = await gateway.listen();
  } catch (error) {
    fail(
      `cannot listen on ${config.host}:${config.port}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  logger.info(
    {
      address: `${address.address}:${address.port}`,
      providers: [...config.providers.keys()],
      catalogModels: catalog.size,
      startupMs: Math.round(performance.now() - startedAt),
    },
    'switchyard listening',
  );
  for (const warning of warnings(config)) logger.warn(warning);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    gateway.close().then(
      () => {
        logger.info('stopped');
        logger.flush();
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        logger.flush();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

// No top-level await: the same entry point is bundled as CommonJS for the single executable.
main().catch((error: unknown) => {
  process.stderr.write(`switchyard: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
