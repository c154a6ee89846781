// The load generator's raw client against servers that do not answer with a plain
// HTTP response: a protocol switch (101) must fail the request at once instead of
// reading whatever follows as HTTP (a fake "200" after a 101 would count as valid).

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeRequest, RawConnection } from './raw-http.js';

let server: net.Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A TCP server that answers every request with `reply`, then leaves the socket open. */
async function rawServer(reply: string): Promise<number> {
  server = net.createServer((sock) => {
    sock.once('data', () => sock.write(reply));
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server!.address() as net.AddressInfo).port;
}

function send(port: number): Promise<{ status: number; body: string }> {
  const c = new RawConnection(port);
  const bytes = encodeRequest(`http://127.0.0.1:${port}`, 'GET', '/', '', {}, new Uint8Array());
  return new Promise((resolve, reject) =>
    c.send(bytes, false, (e, r) => {
      c.destroy();
      if (e || !r) reject(e);
      else resolve({ status: r.status, body: Buffer.from(r.body).toString() });
    }),
  );
}

describe('RawConnection and interim responses', () => {
  it('fails a request answered by 101 Switching Protocols, even when an HTTP-looking response follows', async () => {
    const port = await rawServer(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    );
    await expect(send(port)).rejects.toThrow(/101/);
  });

  it('skips a 100 Continue and reads the final response', async () => {
    const port = await rawServer('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    await expect(send(port)).resolves.toEqual({ status: 200, body: 'ok' });
  });
});
