// Reading scenario files: YAML with positions, the JSON Schema, then the checks a
// schema cannot express (templates, refs, selectors, manifest files). Every
// problem is reported as FILE:LINE:COLUMN before any cluster is built.
import fs from 'node:fs';
import path from 'node:path';
import YAML, { isMap, isPair, isScalar, isSeq, LineCounter, type Document, type Node } from 'yaml';
import { parseSelector } from '../api/labels.js';
import { UserError } from '../util/errors.js';
import { defaultNodes, type Scenario } from './model.js';
import { formatPath, scenarioSchema, Validator, type Path, type SchemaError } from './schema.js';
import { findTemplates, parseTemplate } from './templates.js';
import { typeFor } from './refs.js';

export class ScenarioError extends UserError {}

interface Located {
  line: number;
  col: number;
}

class Positions {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  at(offset: number): Located {
    return this.lines.linePos(offset);
  }

  /** The node at path, or its key when atKey; falls back to the nearest existing parent. */
  of(p: Path, atKey = false): Located {
    for (let n = p.length; n >= 0; n--) {
      const parent = n > 0 ? (this.doc.getIn(p.slice(0, n - 1), true) as Node | undefined) : undefined;
      if (atKey && n === p.length && isMap(parent)) {
        const pair = parent.items.find((i) => isPair(i) && isScalar(i.key) && i.key.value === p[n - 1]);
        const key = pair?.key as Node | undefined;
        if (key?.range) return this.at(key.range[0]);
      }
      const node = (n === 0 ? this.doc.contents : this.doc.getIn(p.slice(0, n), true)) as Node | undefined;
      if (node?.range) return this.at(node.range[0]);
    }
    return { line: 1, col: 1 };
  }

  /** Where line `inner` (1-based) of a block scalar's text is. */
  inside(p: Path, inner: Located): Located {
    const node = this.doc.getIn(p, true) as Node | undefined;
    if (!isScalar(node) || !node.range) return this.of(p);
    const start = this.at(node.range[0]);
    const block = node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED';
    return block ? { line: start.line + inner.line, col: inner.col } : start;
  }
}

interface Problem {
  path: Path;
  message: string;
  atKey?: boolean;
  /** Already resolved (an error inside embedded YAML). */
  where?: Located;
}

function walkStrings(value: unknown, at: Path, visit: (s: string, at: Path) => void): void {
  if (typeof value === 'string') visit(value, at);
  else if (Array.isArray(value)) value.forEach((v, i) => walkStrings(v, [...at, i], visit));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walkStrings(v, [...at, k], visit);
}

/** Semantic checks on a schema-valid document. */
function lint(value: Scenario, dir: string): Problem[] {
  const problems: Problem[] = [];
  const checkYaml = (text: string, at: Path): void => {
    const lines = new LineCounter();
    for (const doc of YAML.parseAllDocuments(text, { lineCounter: lines })) {
      for (const e of doc.errors) {
        const pos = lines.linePos(e.pos[0]);
        problems.push({ path: at, message: `embedded YAML: ${e.message.split('\n')[0]}`, where: pos });
      }
    }
  };
  const checkFile = (file: string, at: Path): void => {
    if (!fs.existsSync(path.resolve(dir, file))) problems.push({ path: at, message: `no such file: ${path.resolve(dir, file)}` });
  };
  const checkSource = (src: unknown, at: Path): void => {
    const s = src as { file?: unknown; yaml?: unknown };
    if (typeof s.file === 'string') checkFile(s.file, [...at, 'file']);
    if (typeof s.yaml === 'string') checkYaml(s.yaml, [...at, 'yaml']);
  };
  value.manifests?.forEach((m, i) => checkSource(m, ['manifests', i]));
  const c = value.cluster;
  if (c?.hosts !== undefined && c.hosts > (c.nodes ?? defaultNodes)) {
    problems.push({ path: ['cluster', 'hosts'], message: `hosts: ${c.hosts} needs at least as many nodes (nodes: ${c.nodes ?? `${defaultNodes} by default`}): every host carries a node` });
  }

  value.steps.forEach((step, i) => {
    const at: Path = ['steps', i];
    if (step.apply) checkSource(step.apply, [...at, 'apply']);
    // Templates, refs and selectors anywhere in the step (not in embedded manifests).
    walkStrings(step, at, (s, p) => {
      const key = p.at(-1);
      if (key === 'yaml' || p.includes('object') || p.includes('merge') || p.includes('json')) return;
      if (s.replace(/\$\{[^}]*\}/g, '').includes('${')) problems.push({ path: p, message: `unclosed template in ${JSON.stringify(s)} (write \${...})` });
      for (const t of findTemplates(s)) {
        try {
          parseTemplate(t.expr);
        } catch (e) {
          problems.push({ path: p, message: (e as Error).message });
        }
      }
      if (s.includes('${')) return;
      const refField = [key, p.at(-2)].some((k) => k === 'gone' || k === 'ready') || key === 'ref' || key === 'delete';
      if ((refField && s !== 'all') || (key === 'kind' && p.includes('delete'))) {
        const kind = s.split('/')[0]!;
        if (!typeFor(kind)) problems.push({ path: p, message: `unknown kind "${kind}" in ${JSON.stringify(s)}` });
      }
      if (key === 'selector' || key === 'backendLogs') {
        try {
          parseSelector(s);
        } catch (e) {
          problems.push({ path: p, message: `bad label selector ${JSON.stringify(s)}: ${(e as Error).message}` });
        }
      }
    });
  });
  return problems;
}

function render(file: string, where: Located, p: Path, message: string): string {
  return `${file}:${where.line}:${where.col}: ${formatPath(p)}: ${message}`;
}

/** Parses one scenario; throws ScenarioError listing every problem with its line and column. */
export function parseScenario(file: string, text = fs.readFileSync(file, 'utf8')): Scenario {
  const lines = new LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ScenarioError(doc.errors.map((e) => {
      const pos = lines.linePos(e.pos[0]);
      return `${file}:${pos.line}:${pos.col}: ${e.message.split('\n')[0]}`;
    }).join('\n'));
  }
  const value = doc.toJS() as unknown;
  const pos = new Positions(doc, lines);
  const schemaErrors: SchemaError[] = new Validator(scenarioSchema()).validate(value);
  const problems: Problem[] = schemaErrors.length > 0 ? schemaErrors : lint(value as Scenario, path.dirname(file));
  if (problems.length > 0) {
    const seen = new Set<string>();
    const out = problems
      .map((p) => render(file, p.where ? pos.inside(p.path, p.where) : pos.of(p.path, p.atKey), p.path, p.message))
      .filter((l) => !seen.has(l) && seen.add(l));
    throw new ScenarioError(out.slice(0, 20).join('\n') + (out.length > 20 ? `\n... and ${out.length - 20} more` : ''));
  }
  const scenario = value as Scenario;
  const steps = doc.get('steps', true);
  scenario.file = file;
  scenario.stepLines = isSeq(steps) ? steps.items.map((n) => pos.at((n as Node).range?.[0] ?? 0).line) : [];
  return scenario;
}

/** Scenario files named on the command line: files as given, directories searched for *.yaml / *.yml. */
export function scenarioFiles(args: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name)) out.push(p);
    }
  };
  for (const a of args) {
    if (!fs.existsSync(a)) throw new ScenarioError(`${a}: no such file or directory`);
    if (fs.statSync(a).isDirectory()) walk(a);
    else out.push(a);
  }
  return out;
}

/** Parses every file, reporting all bad files at once. */
export function loadScenarios(args: string[]): Scenario[] {
  const files = scenarioFiles(args);
  if (files.length === 0) throw new ScenarioError(`no scenario files in ${args.join(' ')}`);
  const errors: string[] = [];
  const scenarios: Scenario[] = [];
  for (const f of files) {
    try {
      scenarios.push(parseScenario(f));
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      errors.push(e.message);
    }
  }
  if (errors.length > 0) throw new ScenarioError(errors.join('\n'));
  return scenarios;
}
