import { loadCatalog } from './catalog/load.ts';
import { ConfigError, loadConfig } from './config/config.ts';
import { environmentWithEnvFile } from './config/env-file.ts';
import { createLogger } from './observability/logger.ts';
import { createGateway } from './server/server.ts';

async function main(): Promise<void> {
  const startedAt = performance.now();
  let config;
  let logger;
  let catalog;
  try {
    config = loadConfig(environmentWithEnvFile(process.env, '.env'));
    logger = createLogger(config.logLevel);
    catalog = await loadCatalog({ file: config.catalogFile, url: config.catalogUrl }, logger);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`switchyard: ${error.message}\n`);
    process.exit(1);
  }

  const gateway = createGateway({ config, logger, catalog });
  const address = await gateway.listen();
  const providers = [...config.providers.keys()];
  logger.info(
    { address: `${address.address}:${address.port}`, providers, catalogModels: catalog.size, startupMs: Math.round(performance.now() - startedAt) },
    'switchyard listening',
  );
  if (providers.length === 0) logger.warn('no provider is active: set a provider key such as OPENAI_API_KEY');
  if (!config.gatewayKeys) {
    logger.warn('GATEWAY_API_KEYS is not set: anyone who can reach this port can spend the configured provider keys');
  }

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

await main();
