# node-gyp build of the faasbench_utimens addon (see utimens.c; built by build.sh).
{
  "targets": [
    {
      "target_name": "faasbench_utimens",
      "sources": ["utimens.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
