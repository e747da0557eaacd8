/**
 * A local stand-in for an Entra key set (`https://login.microsoftonline.com/<tenant>/discovery/…`):
 * an HTTP server answering `{"keys":[…]}` at the given paths, counting fetches.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';

export interface JwksServer {
  /** `http://127.0.0.1:<port>`: an authority to put in front of the paths. */
  readonly origin: string;
  /** The first path's URL. */
  readonly url: string;
  /** How many times a key set was fetched. */
  readonly fetches: number;
  close(): Promise<void>;
}

/** Serves `keys` at each of `paths` (404 elsewhere). */
export async function startJwksServer(
  keys: JWK[],
  paths: readonly string[] = ['/discovery/keys'],
): Promise<JwksServer> {
  const state = { fetches: 0 };
  const server: Server = createServer((request, response) => {
    if (!paths.includes(request.url ?? '')) {
      response.writeHead(404).end();
      return;
    }
    state.fetches += 1;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    url: `${origin}${paths[0]}`,
    get fetches() {
      return state.fetches;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
