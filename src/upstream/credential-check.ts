/**
 * Runs each active provider's credential chain once before the gateway serves (and for --check), so
 * the operator learns at start-up which source each cloud provider uses, or why none was found.
 */
import type { Provider } from '../providers/types.ts';

export type CredentialReport = { provider: string; source: string } | { provider: string; problem: string };

/** Longer than any chain's own timeouts (IMDS, the GCE metadata probe, Azure's IMDS probe), so those speak first. */
const CHECK_TIMEOUT_MS = 20_000;

export async function checkCredentials(
  providers: ReadonlyMap<string, Provider>,
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<CredentialReport[]> {
  const checks = [...providers.values()].flatMap((provider) => {
    const find = provider.credentialSource?.bind(provider);
    if (!find) return [];
    return [
      withTimeout(find(), timeoutMs).then(
        (source): CredentialReport => ({ provider: provider.id, source }),
        (error: unknown): CredentialReport => ({ provider: provider.id, problem: (error as Error).message }),
      ),
    ];
  });
  return Promise.all(checks);
}

/** The reports whose chain found nothing: provider id → the reasons and what to set. */
export function unavailableProviders(reports: readonly CredentialReport[]): Map<string, string> {
  return new Map(reports.flatMap((report) => ('problem' in report ? [[report.provider, report.problem]] : [])));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from its credential sources within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
