// First: refuses an old Node before any dependency loads (and fails obscurely).
import './cli/node-version.ts';
import type { AddressInfo } from 'node:net';
import pkg from '../package.json' with { type: 'json' };
import type { Catalog } from './catalog/catalog.ts';
import { loadCatalog } from './catalog/load.ts';
import { type CliOptions, HELP, parseCli } from './cli/args.ts';
import { banner, startupFacts } from './cli/banner.ts';
import { type Config, ConfigError, loadConfig, withUnavailableProviders } from './config/config.ts';
import { environmentWithEnvFile } from './config/env-file.ts';
import { isYamlPath, preloadYaml } from './config/yaml.ts';
import { isLimited } from './limits/metering.ts';
import { createLogger, type LogFormat, type Logger, stdoutDestination } from './observability/logger.ts';
import type { Env } from './providers/types.ts';
import { createGateway } from './server/server.ts';
import { ClusterWorker, runPrimary, workerRole, workerStdout } from './server/workers.ts';
import { type CredentialReport, checkCredentials, unavailableProviders } from './upstream/credential-check.ts';

/** The environment the gateway runs with: the real one, over `--env-file`s (later wins), over ./.env. */
function environment(options: CliOptions): Env {
  const files = ['.env', ...options.envFiles];
  let env: Env = {};
  for (const file of files) env = { ...env, ...environmentWithEnvFile({}, file, file !== '.env') };
  // The cloud platforms' credential libraries read process.env: they see the files' variables too,
  // as with node --env-file (variables already set win).
  for (const [name, value] of Object.entries(env)) if (process.env[name] === undefined) process.env[name] = value;
  env = { ...env, ...process.env };
  // Flags are the most specific: they win over every variable.
  if (options.port !== undefined) env = { ...env, PORT: options.port };
  if (options.host !== undefined) env = { ...env, HOST: options.host };
  if (options.demo) env = { ...env, DEMO: 'true' };
  return env;
}

/** Start-up warnings worth an operator's attention; also printed by --check. */
function warnings(config: Config): string[] {
  const found = [...config.warnings];
  if (config.providers.size === 0)
    found.push('no provider is active: set a provider key such as OPENAI_API_KEY, or run with --demo');
  if (!config.gatewayKeys)
    found.push(
      config.host === '127.0.0.1'
        ? 'GATEWAY_API_KEYS is not set: listening on 127.0.0.1 only; set a key before exposing the gateway (HOST)'
        : 'GATEWAY_API_KEYS is not set: anyone who can reach this port can spend the configured provider keys',
    );
  if (config.workers > 1 && !config.redisUrl && isLimited(config))
    found.push(
      `WORKERS=${config.workers} without REDIS_URL: each worker counts on its own and enforces 1/${config.workers} of ` +
        'every rate limit and budget; set REDIS_URL for exact limits across workers',
    );
  for (const provider of config.providers.values())
    if (pointsAtSelf(provider.baseUrl, config))
      found.push(
        `provider '${provider.id}' has its base URL ${provider.baseUrl} on the gateway's own address: ` +
          'requests to it would loop (a client-side variable such as ANTHROPIC_BASE_URL exported in this shell?)',
      );
  return found;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '0.0.0.0', '[::]']);

/** Whether a base URL reaches this gateway's own listen address. */
function pointsAtSelf(baseUrl: string, config: Config): boolean {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return false;
  }
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  if (port !== config.port) return false;
  const listensEverywhere = config.host === '0.0.0.0' || config.host === '::';
  return (
    url.hostname === config.host || (LOOPBACK.has(url.hostname) && (listensEverywhere || LOOPBACK.has(config.host)))
  );
}

function fail(message: string): never {
  process.stderr.write(`switchyard: ${message}\n`);
  process.exit(1);
}

/**
 * Exits once the last log lines are written, giving them half a second: a reader that is gone
 * (EAGAIN forever on a full pipe) must not hold the exit, and pino's exit hook would spin in
 * flushSync on it.
 */
function exitAfterFlush(stdout: ReturnType<typeof stdoutDestination>, code: number): void {
  const giveUp = setTimeout(() => {
    stdout.destroy();
    process.exit(code);
  }, 500);
  stdout.flush(() => {
    clearTimeout(giveUp);
    stdout.destroy(); // written: nothing left for the exit hook's flushSync to spin on
    process.exit(code);
  });
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  // Set in a worker of WORKERS=N, which gets the primary's arguments.
  const role = workerRole();
  let options: CliOptions;
  try {
    options = parseCli(role ? role.args : process.argv.slice(2));
  } catch (error) {
    fail(`${(error as Error).message}\nRun 'switchyard --help' for the options.`);
  }
  if (options.help) return void process.stdout.write(HELP);
  if (options.version) return void process.stdout.write(`${pkg.version}\n`);

  let config: Config;
  const stdout = role ? workerStdout() : stdoutDestination();
  let logger: Logger;
  let catalog: Catalog;
  let credentials: CredentialReport[];
  let format: LogFormat;
  try {
    const env = environment(options);
    if ([env.GATEWAY_API_KEYS_FILE, env.GUARDRAILS_FILE, env.WEBHOOKS_FILE].some(isYamlPath)) await preloadYaml();
    config = loadConfig(env);
    format = config.logFormat ?? (process.stdout.isTTY ? 'pretty' : 'json');
    logger = createLogger(options.check ? 'silent' : config.logLevel, stdout, format);
    if (role) logger = logger.child({ worker: role.id });
    else if (config.workers > 1 && !options.check)
      // The primary serves no HTTP: it needs neither the catalog nor the providers' credentials.
      return await runPrimary({
        count: config.workers,
        shutdownTimeoutMs: config.shutdownTimeoutMs,
        relayHangup: config.gatewayKeysFile !== undefined,
        args: process.argv.slice(2),
        logger,
        exit: (code) => exitAfterFlush(stdout, code),
      });
    // Cloud providers' credential chains run once now, alongside the catalog (none without such providers).
    [catalog, credentials] = await Promise.all([
      loadCatalog({ file: config.catalogFile, url: config.catalogUrl }, logger),
      checkCredentials(config.providers),
    ]);
  } catch (error) {
    if (!(error instanceof ConfigError || (error as NodeJS.ErrnoException).code === 'ENV_FILE')) throw error;
    fail((error as Error).message);
  }
  const unavailable = unavailableProviders(credentials);
  config = withUnavailableProviders(config, unavailable);
  const sources = Object.fromEntries(credentials.flatMap((r) => ('source' in r ? [[r.provider, r.source]] : [])));

  if (options.check) {
    const lines = [
      'configuration is valid',
      `listen: ${config.host}:${config.port}`,
      ...(config.workers > 1 ? [`workers: ${config.workers}`] : []),
      `active providers: ${[...config.providers.keys()].join(', ') || 'none'}`,
      'provider selection: X-Provider header, model prefix, catalog, model family, ' +
        (config.defaultProvider ? `DEFAULT_PROVIDER (${config.defaultProvider})` : 'only active provider'),
      ...Object.entries(sources).map(([id, source]) => `credentials: ${id}: ${source}`),
      `catalog: ${catalog.size} models`,
      ...warnings(config).map((warning) => `warning: ${warning}`),
    ];
    if (unavailable.size) {
      // The configuration parses, but a provider it activates cannot authenticate: that fails the check.
      lines[0] = 'configuration is incomplete';
      process.stdout.write(`${lines.join('\n')}\n`);
      fail([...unavailable].map(([id, problem]) => `${id}: ${problem}`).join('\nswitchyard: '));
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    return;
  }

  const worker = role && new ClusterWorker(role);
  const gateway = createGateway({ config, logger, catalog, worker });
  let address: AddressInfo;
  try {
    address = await gateway.listen();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    fail(
      `cannot listen on ${config.host}:${config.port}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    // Whatever happens to the log pipe (its reader gone: EPIPE, a flush that never completes), exit.
    setTimeout(() => {
      stdout.destroy();
      process.exit(0);
    }, config.shutdownTimeoutMs + 2000).unref();
    // A worker's lines would repeat the primary's, once per worker.
    const level = worker ? 'debug' : 'info';
    logger[level]({ signal }, 'shutting down');
    gateway.close().then(
      () => {
        logger[level]('stopped');
        exitAfterFlush(stdout, 0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        exitAfterFlush(stdout, 1);
      },
    );
  };
  // A log pipe whose reader is gone must not take the process down mid-request.
  stdout.on('error', () => {});
  // Before the start-up line: a supervisor that waits for it may signal at once.
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // With WORKERS, the first worker says it once, when every worker listens.
  if (worker && !role?.announce) return;
  await worker?.allListening();
  const facts = startupFacts(config, address.port);
  const found = [
    ...warnings(config),
    ...[...unavailable].map(([id, problem]) => `provider ${id} is not active: ${problem}`),
  ];
  // A person at a terminal gets the banner; a log pipeline gets the same facts as one JSON line.
  if (format === 'pretty' && config.logLevel !== 'silent') process.stdout.write(banner(facts, pkg.version, found));
  else
    logger.info(
      {
        ...facts,
        ...(Object.keys(sources).length ? { credentials: sources } : {}),
        version: pkg.version,
        catalogModels: catalog.size,
        startupMs: Math.round(performance.now() - startedAt),
      },
      facts.demo ? 'switchyard listening (demo mode)' : 'switchyard listening',
    );
  if (format === 'json') {
    for (const warning of warnings(config)) logger.warn(warning);
    for (const [id, problem] of unavailable) logger.warn({ provider: id }, `provider ${id} is not active: ${problem}`);
  }
}

// No top-level await: the same entry point is bundled as CommonJS for the single executable.
main().catch((error: unknown) => {
  process.stderr.write(`switchyard: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
