// One entry of a component's outbound HTTP allow-list (a manifest's
// variants.component.allowedOutboundHosts, `--allow-outbound` on serve and run):
// HOST:PORT. In a file of its own, without zod, because the component host's guest
// threads check authorities against it too and should not load the manifest schema.

const NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const IPV6 = /^\[[0-9a-f:.]+\]$/;

/**
 * Checks an entry and returns it normalised (host lower-cased): a host name, an IPv4
 * address or [IPv6], a colon and a port from 1 to 65535; no scheme, path or wildcard.
 * Throws a sentence saying what is expected.
 */
export function parseOutboundHost(entry: string): string {
  const m = /^(.+):(\d{1,5})$/.exec(entry);
  const port = m ? Number(m[2]) : NaN;
  const host = m ? m[1]!.toLowerCase() : '';
  if (!m || !(port >= 1 && port <= 65_535) || !(NAME.test(host) || IPV6.test(host)))
    throw new Error(
      `outbound host ${JSON.stringify(entry)}: expected HOST:PORT (a host name, an IPv4 address or [IPv6], and a port from 1 to 65535), e.g. 127.0.0.1:8080`,
    );
  return `${host}:${port}`;
}
