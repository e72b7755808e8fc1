import { parseArgs } from 'node:util';

export interface CliOptions {
  help: boolean;
  version: boolean;
  check: boolean;
  demo: boolean;
  port: string | undefined;
  host: string | undefined;
  envFiles: string[];
}

/** Parses the command line; throws a plain Error with a one-line message on anything unknown. */
export function parseCli(argv: readonly string[]): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      check: { type: 'boolean' },
      demo: { type: 'boolean' },
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      'env-file': { type: 'string', multiple: true },
    },
    strict: true,
    allowPositionals: false,
  });
  return {
    help: values.help ?? false,
    version: values.version ?? false,
    check: values.check ?? false,
    demo: values.demo ?? false,
    port: values.port,
    host: values.host,
    envFiles: values['env-file'] ?? [],
  };
}

export const HELP = `Switchyard — a self-hosted LLM gateway: one process in front of 19 LLM providers.

Usage: switchyard [options]

Options:
  -p, --port <port>      port to listen on (overrides PORT; default 8080)
      --host <address>   address to bind (overrides HOST; default 127.0.0.1 without
                         GATEWAY_API_KEYS, 0.0.0.0 with keys)
      --demo             turn on the built-in demo provider: local answers, no key
                         needed (same as DEMO=true)
      --env-file <path>  read variables from this file as well as ./.env (may repeat;
                         later files win; the real environment wins over all files)
      --check            validate the configuration, print the active providers, the
                         cloud credential sources and warnings, and exit 0 if the
                         gateway would start with every configured provider, 1 if not
  -v, --version          print the version
  -h, --help             print this help

Configuration is by environment variables. The ones that matter most:
  OPENAI_API_KEY, ANTHROPIC_API_KEY, GROQ_API_KEY, …   a provider is active when its key is set
  <PROVIDER>_BASE_URL                                  override a provider's upstream
  AWS_REGION, VERTEX_AI_PROJECT_ID, …                  cloud providers, with the host's own credentials
  DEFAULT_PROVIDER                                     provider used when nothing else decides
  GATEWAY_API_KEYS                                     keys clients must present (set it!)
  RATE_LIMIT_RPM, RATE_LIMIT_TPM, BUDGET_USD_DAILY     per-key limits; REDIS_URL to share them
  LOG_LEVEL                                            fatal|error|warn|info|debug|trace|silent
  LOG_FORMAT                                           pretty|json (default: pretty on a terminal)

Every variable, header and endpoint: docs/configuration.md and docs/http-api.md, or .env.example.
`;
