import { createServer } from 'node:net';

/** A loopback port nobody listens on now (bound, then released): for a server to start on, or to find refused. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Polls `url` every 10 ms until it answers 2xx (a server starting up); false if it never does. */
export async function waitForOk(url: string, attempts = 500): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}
