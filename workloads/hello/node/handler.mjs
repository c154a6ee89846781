// hello, node variant: the same constant response as hello.c.
export default function handler() {
  return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'Hello from faasbench\n' };
}
