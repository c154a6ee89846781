// hello: a constant response. The cold-start probe: as little work as a function
// can do, so what is measured is the runtime, not the function.
#include <stdio.h>

int main(void) {
  fputs("Content-Type: text/plain\n\nHello from faasbench\n", stdout);
  return 0;
}
