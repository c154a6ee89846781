// How images reach the cluster: the --k8s-image-load template (split without a shell,
// {image} replaced, operators refused), the docker tag + push commands of
// --k8s-image-registry, the command runner's errors, and the deliverer's order of
// steps. No registry and no Docker engine serve here, so the build is a test double and
// the push is checked as the commands it would run; the runner itself runs real commands.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinWorkloadsDir, loadWorkload } from '../../model/workload.js';
import {
  ImageDeliverer,
  imageFor,
  loadCommand,
  parseLoadTemplate,
  pushCommands,
  remoteName,
  runCommand,
  spinToml,
  type BuildImage,
} from './images.js';

const dir = mkdtempSync(join(tmpdir(), 'faasbench-k8s-images-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--k8s-image-load template', () => {
  it('is split into words as a shell would, {image} replaced in each, $VARS from the environment', () => {
    expect(loadCommand('kind load docker-image {image}', 'faasbench/hello-node:abc')).toEqual([
      'kind',
      'load',
      'docker-image',
      'faasbench/hello-node:abc',
    ]);
    expect(
      loadCommand("k3s ctr images import --label 'a b' --name={image} $CLUSTER", 'x:1', { CLUSTER: 'c1' }),
    ).toEqual(['k3s', 'ctr', 'images', 'import', '--label', 'a b', '--name=x:1', 'c1']);
  });

  it('refuses shell syntax, an empty template and one without {image}, in one sentence', () => {
    expect(() => parseLoadTemplate('docker save {image} | ssh node docker load')).toThrow(
      /'\|' is shell syntax; the template is one command/,
    );
    expect(() => parseLoadTemplate('kind load {image}; rm -rf /')).toThrow(/';' is shell syntax/);
    expect(() => parseLoadTemplate('   ')).toThrow(/the template is empty/);
    expect(() => parseLoadTemplate('kind load docker-image')).toThrow(/must contain \{image\}/);
  });
});

describe('--k8s-image-registry', () => {
  it('tags the local image as REGISTRY/<tag> and pushes that', () => {
    expect(pushCommands('faasbench/hello-node:abc', 'registry.example:5000/team/')).toEqual({
      remote: 'registry.example:5000/team/faasbench/hello-node:abc',
      commands: [
        ['docker', 'tag', 'faasbench/hello-node:abc', 'registry.example:5000/team/faasbench/hello-node:abc'],
        ['docker', 'push', 'registry.example:5000/team/faasbench/hello-node:abc'],
      ],
    });
  });

  it('refuses a registry given as a URL or empty', () => {
    expect(() => remoteName('x', 'https://r.example')).toThrow(/without a scheme/);
    expect(() => remoteName('x', '/')).toThrow(/host\[:port\]/);
  });
});

describe('runCommand', () => {
  it('resolves when the command succeeds', async () => {
    const d = join(dir, 'ok');
    await runCommand(['mkdir', '-p', d]);
    expect(existsSync(d)).toBe(true);
  });

  it('names the command, its exit code and the end of its output when it fails', async () => {
    await expect(runCommand(['sh', '-c', 'echo step one; echo "no such image" >&2; exit 3'])).rejects.toThrow(
      /^sh -c .*: exit 3: no such image \| step one$/,
    );
  });

  it('says when the program is not installed', async () => {
    await expect(runCommand(['faasbench-no-such-program', 'x'])).rejects.toThrow(
      /faasbench-no-such-program is not installed \(not found on PATH\)/,
    );
  });
});

describe('ImageDeliverer', async () => {
  const w = await loadWorkload(join(builtinWorkloadsDir(), 'hello'));
  const built: string[] = [];
  const build: BuildImage = async (workload, variant) => {
    built.push(`${workload.name}-${variant}`);
    return { tag: `faasbench/${workload.name}-${variant}:built1`, socketPath: '/run/test-docker.sock' };
  };

  it('builds nothing without a delivery: the image is named after the artifact', async () => {
    const d = new ImageDeliverer({}, build, () => Promise.reject(new Error('must not run')));
    expect(d.passive).toBe(true);
    expect(await d.image(w, 'node')).toBe(imageFor(w, 'node'));
    expect(built).toEqual([]);
  });

  it('load: builds once per variant, runs the template against the engine that built it, uses the local tag', async () => {
    const ran: Array<{ argv: string[]; host?: string }> = [];
    const d = new ImageDeliverer(
      { loadTemplate: 'kind load docker-image {image} --name bench' },
      build,
      async (argv, o) => {
        ran.push({ argv, host: o?.env?.['DOCKER_HOST'] });
      },
    );
    expect(await d.image(w, 'native')).toBe('faasbench/hello-native:built1');
    expect(await d.image(w, 'native')).toBe('faasbench/hello-native:built1');
    expect(built).toEqual(['hello-native']);
    expect(ran).toEqual([
      {
        argv: ['kind', 'load', 'docker-image', 'faasbench/hello-native:built1', '--name', 'bench'],
        host: 'unix:///run/test-docker.sock',
      },
    ]);
  });

  it('load with a real command: the template runs', async () => {
    const d = new ImageDeliverer({ loadTemplate: `mkdir -p ${join(dir, 'loaded')}/{image}` }, build);
    await d.image(w, 'wasm');
    expect(existsSync(join(dir, 'loaded', 'faasbench', 'hello-wasm:built1'))).toBe(true);
  });

  it('registry: docker tag then docker push; pods get the remote name; a failed push says which step and why', async () => {
    const ran: string[][] = [];
    const ok = new ImageDeliverer({ registry: 'r.example:5000' }, build, async (argv) => {
      ran.push(argv);
    });
    expect(await ok.image(w, 'component')).toBe('r.example:5000/faasbench/hello-component:built1');
    expect(ran).toEqual([
      ['docker', 'tag', 'faasbench/hello-component:built1', 'r.example:5000/faasbench/hello-component:built1'],
      ['docker', 'push', 'r.example:5000/faasbench/hello-component:built1'],
    ]);
    const failing = new ImageDeliverer({ registry: 'r.example:5000' }, build, (argv) =>
      argv[1] === 'push'
        ? runCommand(['sh', '-c', 'echo "denied: requested access to the resource is denied" >&2; exit 1'])
        : Promise.resolve(),
    );
    await expect(failing.image(w, 'node')).rejects.toThrow(
      /^pushing image faasbench\/hello-node:built1 to r\.example:5000 \(--k8s-image-registry; docker login first\?\): sh -c .*exit 1: denied: requested access/,
    );
  });

  it('a failed build names the variant; a bad template is refused before anything is built', async () => {
    const broken = new ImageDeliverer({ loadTemplate: 'true {image}' }, () => Promise.reject(new Error('engine down')));
    await expect(broken.image(w, 'node')).rejects.toThrow(/^building the node image of hello: engine down$/);
    expect(() => new ImageDeliverer({ loadTemplate: 'kind load' }, build)).toThrow(/must contain \{image\}/);
  });

  it("a component's image holds a Spin manifest serving every path from fn.wasm, with the outbound allow-list", () => {
    expect(spinToml('Hello')).toBe(
      'spin_manifest_version = 2\n\n[application]\nname = "hello"\nversion = "0.1.0"\n\n[[trigger.http]]\nroute = "/..."\ncomponent = "fn"\n\n[component.fn]\nsource = "fn.wasm"\n',
    );
    expect(spinToml('echo', ['127.0.0.1:8080', '[::1]:9'])).toMatch(
      /\[component\.fn\]\nsource = "fn\.wasm"\nallowed_outbound_hosts = \["http:\/\/127\.0\.0\.1:8080", "http:\/\/\[::1\]:9"\]\n$/,
    );
  });
});
