// echo, node variant: the same reflection as echo.c.
export default function handler(req) {
  const lines = [];
  if (req.headers['content-type'] !== undefined) lines.push(`content-type: ${req.headers['content-type']}`);
  for (const [name, value] of Object.entries(req.headers)) {
    // CGI folds '-' and '_' together (HTTP_X_ECHO_A); so do we.
    const n = name.toLowerCase().replace(/_/g, '-');
    if (n.startsWith('x-echo-')) lines.push(`${n}: ${value}`);
  }
  lines.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const head =
    `method: ${req.method}\npath: ${req.path}\nquery: ${req.query}\n` +
    lines.map((l) => `header ${l}\n`).join('') +
    `body-length: ${req.body.length}\n\n`;
  return { status: 200, headers: { 'content-type': 'text/plain' }, body: Buffer.concat([Buffer.from(head), req.body]) };
}
