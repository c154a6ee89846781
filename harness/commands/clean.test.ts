// `faasbench clean` with an injected engine: what it removes, what it leaves alone
// (and says so), and what it prints when there is no engine.
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../runtimes/container/engine.js';
import { clean } from './clean.js';

function fakeEngine(): Engine & { removed: string[] } {
  const removed: string[] = [];
  const docker = {
    version: async () => ({ Version: '0-fake', ApiVersion: '1.0' }),
    listContainers: async () => [
      { Id: 'aaaaaaaaaaaa1111', Names: ['/fb'], Labels: { faasbench: '1', 'faasbench.pid': '2147483646' } },
      { Id: 'bbbbbbbbbbbb2222', Names: ['/users-db'], Labels: {} },
    ],
    getContainer: (id: string) => ({
      remove: async () => {
        removed.push(id);
      },
    }),
    listImages: async () => [
      { Id: 'sha256:img1', RepoTags: ['faasbench/hello:1'], Labels: { faasbench: '1' }, Created: 1 },
      { Id: 'sha256:img2', RepoTags: ['users/app:latest'], Labels: null, Created: 2 },
    ],
    getImage: (id: string) => ({
      remove: async () => {
        removed.push(id);
      },
    }),
  };
  return { docker: docker as unknown as Docker, socketPath: '/dev/null', removed };
}

describe('faasbench clean', () => {
  it('removes only what is labelled faasbench=1 and names what it left alone', async () => {
    const e = fakeEngine();
    let out = '';
    await clean(
      {},
      {
        engine: e,
        write: (s) => {
          out += s;
        },
      },
    );
    expect(e.removed.sort()).toEqual(['aaaaaaaaaaaa1111', 'sha256:img1']);
    expect(out).toMatch(/removed 1 container\(s\)/);
    expect(out).toMatch(/left alone 1 container\(s\) without faasbench=1: users-db \(bbbbbbbbbbbb\)/);
    expect(out).toMatch(/removed 1 image\(s\): faasbench\/hello:1/);
    expect(out).toMatch(/left alone 1 image\(s\) without faasbench=1: users\/app:latest/);
  });

  it('--keep-images leaves every image', async () => {
    const e = fakeEngine();
    let out = '';
    await clean(
      { keepImages: true },
      {
        engine: e,
        write: (s) => {
          out += s;
        },
      },
    );
    expect(e.removed).toEqual(['aaaaaaaaaaaa1111']);
    expect(out).not.toMatch(/image/);
  });

  it('says there is nothing to clean without an engine', async () => {
    let out = '';
    await clean(
      {},
      {
        engine: { docker: {} as Docker, socketPath: '/nonexistent/docker.sock' },
        write: (s) => {
          out += s;
        },
      },
    );
    expect(out).toMatch(/^nothing to clean: Docker engine socket \/nonexistent\/docker.sock does not exist/);
  });
});
