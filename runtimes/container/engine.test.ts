// The label bookkeeping against an engine that cannot be trusted to filter: a fake,
// dockerode-shaped engine returns objects without faasbench's label despite the
// label filter (a buggy or hostile engine, an API proxy that drops filters), and
// nothing but faasbench's own objects may be removed.
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { LABEL, LABEL_PID, LABEL_RUN, removeContainers, removeImages, type Engine } from './engine.js';

interface FakeContainer {
  Id: string;
  Names: string[];
  Labels: Record<string, string> | null;
}
interface FakeImage {
  Id: string;
  RepoTags: string[] | null;
  Labels: Record<string, string> | null;
  Created: number;
}

/** Ignores every filter (the point) and records what it was asked to remove. */
function fakeEngine(containers: FakeContainer[], images: FakeImage[]): Engine & { removed: string[] } {
  const removed: string[] = [];
  const docker = {
    listContainers: async () => containers,
    getContainer: (id: string) => ({
      remove: async () => {
        removed.push(id);
      },
    }),
    listImages: async () => images,
    getImage: (id: string) => ({
      remove: async () => {
        removed.push(id);
      },
    }),
  };
  return { docker: docker as unknown as Docker, socketPath: '/fake.sock', removed };
}

const DEAD_PID = '2147483646';

describe('removing faasbench objects re-checks each label (the engine filter is not trusted)', () => {
  const ours: FakeContainer = {
    Id: 'c-ours',
    Names: ['/fb-1'],
    Labels: { [LABEL]: '1', [LABEL_RUN]: 'run-a', [LABEL_PID]: DEAD_PID },
  };
  const user: FakeContainer = { Id: 'c-user', Names: ['/postgres'], Labels: { 'com.example': 'db' } };
  const noLabels: FakeContainer = { Id: 'c-none', Names: ['/bare'], Labels: null };
  const wrongValue: FakeContainer = {
    Id: 'c-zero',
    Names: ['/lookalike'],
    Labels: { [LABEL]: '0', [LABEL_RUN]: 'run-a', [LABEL_PID]: DEAD_PID },
  };
  const otherRun: FakeContainer = {
    Id: 'c-other-run',
    Names: ['/fb-2'],
    Labels: { [LABEL]: '1', [LABEL_RUN]: 'run-b', [LABEL_PID]: DEAD_PID },
  };

  it('clean (all): removes only containers labelled faasbench=1 and reports the others', async () => {
    const e = fakeEngine([ours, user, noLabels, wrongValue, otherRun], []);
    const r = await removeContainers(e);
    expect(e.removed.sort()).toEqual(['c-other-run', 'c-ours']);
    expect(r.removed.sort()).toEqual(['c-other-run', 'c-ours']);
    expect(r.leftAlone.map((x) => x.id).sort()).toEqual(['c-none', 'c-user', 'c-zero']);
    expect(r.leftAlone.find((x) => x.id === 'c-user')).toMatchObject({
      name: 'postgres',
      reason: expect.stringMatching(/faasbench=1/),
    });
  });

  it("one run's: removes only that run's faasbench containers", async () => {
    const e = fakeEngine([ours, user, wrongValue, otherRun], []);
    const r = await removeContainers(e, { runId: 'run-a' });
    expect(e.removed).toEqual(['c-ours']);
    expect(r.leftAlone.map((x) => x.id).sort()).toEqual(['c-other-run', 'c-user', 'c-zero']);
  });

  it('stale sweep: never touches an unlabelled container, even one whose pid label names a dead process', async () => {
    const e = fakeEngine([ours, { ...user, Labels: { [LABEL_PID]: DEAD_PID } }, wrongValue], []);
    await removeContainers(e, { stale: true });
    expect(e.removed).toEqual(['c-ours']);
  });

  it('images: removes only those labelled faasbench=1 and reports the others', async () => {
    const e = fakeEngine(
      [],
      [
        { Id: 'sha256:ours', RepoTags: ['faasbench/hello-native:abc'], Labels: { [LABEL]: '1' }, Created: 2 },
        { Id: 'sha256:user', RepoTags: ['nginx:latest'], Labels: null, Created: 3 },
        { Id: 'sha256:zero', RepoTags: ['faasbench/lookalike:1'], Labels: { [LABEL]: 'yes' }, Created: 1 },
      ],
    );
    const r = await removeImages(e);
    expect(e.removed).toEqual(['sha256:ours']);
    expect(r.removed).toEqual(['faasbench/hello-native:abc']);
    expect(r.leftAlone.map((x) => x.name).sort()).toEqual(['faasbench/lookalike:1', 'nginx:latest']);
  });
});
