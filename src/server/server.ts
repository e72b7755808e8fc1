import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Catalog } from '../catalog/catalog.ts';
import { Pricer } from '../catalog/pricer.ts';
import type { Config } from '../config/config.ts';
import type { Logger } from '../observability/logger.ts';
import { logRequest } from '../observability/request-log.ts';
import { UpstreamClient } from '../upstream/client.ts';
import { createContext } from './context.ts';
import { asGatewayError, sendError } from './error-response.ts';
import { ModelDirectory } from './models.ts';
import { route, type RouteDeps } from './routes.ts';

export interface Gateway {
  /** Starts listening; resolves with the bound address. */
  listen(port?: number, host?: string): Promise<AddressInfo>;
  /**
   * Stops accepting connections, lets requests in flight (streams included) finish for up to
   * SHUTDOWN_TIMEOUT_MS, then cuts whatever is left and releases upstream connections.
   */
  close(): Promise<void>;
  readonly server: Server;
}

export interface GatewayOptions {
  config: Config;
  logger: Logger;
  catalog: Catalog;
}

export function createGateway({ config, logger, catalog }: GatewayOptions): Gateway {
  const upstream = new UpstreamClient({
    requestTimeoutMs: config.requestTimeoutMs,
    streamIdleTimeoutMs: config.streamIdleTimeoutMs,
  });
  const deps: RouteDeps = {
    config,
    upstream,
    catalog,
    pricer: new Pricer(catalog, (provider, model) => logger.warn({ provider, model }, 'no price in the catalog for this model; its cost is logged as null')),
    models: new ModelDirectory(catalog, config.providers, (provider, error) =>
      logger.warn({ provider, reason: error.message }, 'could not list the live models of a provider'),
    ),
  };
  let inFlight = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    const ctx = createContext(req);
    res.once('close', () => {
      inFlight--;
      logRequest(logger, ctx, res);
    });
    try {
      await route(ctx, deps)(req, res, ctx);
    } catch (error) {
      const gatewayError = asGatewayError(error);
      if (gatewayError.status === 500) logger.error({ requestId: ctx.id, err: error }, 'unhandled error');
      ctx.error = gatewayError;
      sendError(res, gatewayError, ctx.id);
    }
  };

  const server = createServer({ noDelay: true, keepAliveTimeout: 65_000 }, (req, res) => void handle(req, res));

  return {
    server,
    listen(port = config.port, host = config.host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const deadline = Date.now() + config.shutdownTimeoutMs;
      while (inFlight > 0 && Date.now() < deadline) {
        server.closeIdleConnections();
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      if (inFlight > 0) logger.warn({ inFlight }, 'shutdown timeout reached; closing remaining connections');
      server.closeAllConnections();
      await closed;
      await upstream.destroy();
    },
  };
}
