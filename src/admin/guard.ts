import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../errors.ts';
import type { GatewayKeys } from '../limits/gateway-keys.ts';

/**
 * Who may read the admin API: a holder of an ADMIN_API_KEYS key (sent like a gateway key:
 * Bearer, `x-api-key` or `X-Gateway-Key`). Without ADMIN_API_KEYS only a gateway bound to a
 * loopback address answers it, as anyone who can reach that port is on the machine already.
 */
export class AdminGuard {
  constructor(
    readonly keys: GatewayKeys | undefined,
    readonly boundToLoopback: () => boolean,
  ) {}

  /** The admin key's name (`local` without keys); throws the 401 or 403 otherwise. */
  authorize(headers: IncomingHttpHeaders): string {
    if (!this.keys) {
      if (this.boundToLoopback()) return 'local';
      throw new GatewayError(
        403,
        'admin_api_disabled',
        'The admin API is off: set ADMIN_API_KEYS, or bind the gateway to a loopback address (HOST=127.0.0.1).',
        'authentication_error',
      );
    }
    const name = this.keys.authenticate(headers);
    if (name === undefined)
      throw new GatewayError(
        401,
        'invalid_admin_key',
        'A valid admin key (ADMIN_API_KEYS) is required.',
        'authentication_error',
      );
    return name.name;
  }

  /** Whether the headers carry an admin key (never true without ADMIN_API_KEYS). */
  accepts(headers: IncomingHttpHeaders): boolean {
    return this.keys?.authenticate(headers) !== undefined;
  }
}

/** 127.0.0.0/8, ::1, and IPv4 loopback written as IPv6. */
export const isLoopback = (address: string | undefined) =>
  address !== undefined && (/^127\./.test(address) || address === '::1' || /^::ffff:127\./.test(address));
