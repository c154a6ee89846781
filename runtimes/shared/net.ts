// Ports on 127.0.0.1 for adapters that start servers they do not control (a
// container, a host process): pick a free port to hand the server, then wait until
// it accepts connections. Shared by container/ and process/ (process/ used to take
// them from container/adapter.ts, and so load dockerode to start a host process).

import net from 'node:net';

/** A port nobody listens on right now (the engine needs a fixed one: host network, no port mapping). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once 127.0.0.1:port accepts a connection; rejects when the signal fires. */
export function waitForPort(port: number, signal: AbortSignal, intervalMs = 2): Promise<void> {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (signal.aborted) return reject(signal.reason as Error);
      const sock = net.connect({ host: '127.0.0.1', port });
      sock.once('connect', () => {
        sock.destroy();
        resolve();
      });
      sock.once('error', () => {
        sock.destroy();
        setTimeout(attempt, intervalMs);
      });
    };
    attempt();
  });
}
