// The import rules `lab test` checks (src/cli/checks.ts): no cycles, and imports that point down the
// layers of docs/architecture.md ("Layers"). Run alone: node_modules/.bin/depcruise src images test
/** Long-lived components and what they share: they meet only through the API. */
const components = '^src/(api|apiserver|client|controllers|dns|ingress|router|agent|overlay|net|util)/';
/** The orchestrator, and the tools that drive a lab. */
const orchestrator = '^src/(lab|runtime)/';
const tools = '^src/(scenario|trace|ui|vm)/';
const commands = '^src/(cli|bench)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'a cycle (type-only ones included) means a shared piece belongs a layer lower',
      from: {},
      to: { circular: true },
    },
    {
      name: 'components-below-the-lab',
      severity: 'error',
      comment: "components know nothing of the orchestrator, tools or CLI; lab/state.ts (the state dir's layout, importing only util/) is shared",
      from: { path: `${components}|^images/` },
      to: { path: `${orchestrator}|${tools}|${commands}`, pathNot: '^src/lab/state\\.ts$' },
    },
    {
      name: 'runtimes-below-lifecycle',
      severity: 'error',
      comment: 'a runtime reads the plan and the state dir (state.ts, and credentials.ts for where its keys are); lifecycle, preflight and the supervisor sit above it',
      from: { path: '^src/runtime/' },
      to: { path: `^src/lab/|${tools}|${commands}`, pathNot: '^src/lab/(plan|state|credentials)\\.ts$' },
    },
    {
      name: 'orchestrator-below-tools',
      severity: 'error',
      from: { path: orchestrator },
      to: { path: `${tools}|${commands}` },
    },
    {
      name: 'tools-below-the-cli',
      severity: 'error',
      comment: 'scenarios, traces, the dashboard and the VM runner do not depend on the command line',
      from: { path: tools },
      to: { path: commands },
    },
    {
      name: 'cli-on-top',
      severity: 'error',
      comment: 'only the CLI imports the benchmarks; the benchmarks take only the command type and flag parsing from it',
      from: { path: '^src/bench/' },
      to: { path: '^src/cli/', pathNot: '^src/cli/args\\.ts$' },
    },
  ],
  options: {
    // TypeScript 7 has no JavaScript API: swc parses the sources, type-only imports included.
    parser: 'swc',
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
  },
};
