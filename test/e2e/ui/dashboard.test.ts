// The dashboard in a real browser: Debian's chromium driven by puppeteer-core
// against a real lab. The page must show the topology, a counter that rises
// under (bounded) traffic, a trace's path and a fault's effect. A screenshot
// is saved in test-artifacts/.
import test from 'ava';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { poll } from '../../../src/util/poll.js';
import { hostSnapshot } from '../../helpers/host.js';
import { lab, labName, repo } from '../../helpers/lab.js';
import { upWebLab } from '../../helpers/web-lab.js';
import { e2e } from '../../helpers/root.js';

const chromium = '/usr/bin/chromium';
const it = e2e(test);
const name = labName('ui');
const artifacts = path.join(repo, 'test-artifacts');


let before: string[] = [];
let url = '';
let browser: Browser | undefined;
let page: Page;

it.before(async () => {
  if (!fs.existsSync(chromium)) throw new Error(`${chromium} is not installed: run scripts/setup (it installs Debian's chromium)`);
  before = await hostSnapshot(name);
  await upWebLab(name, 'iptables');
  // The dashboard is a lab component; lab ui prints its address.
  const ui = await lab(['ui', '--name', name]);
  if (ui.exitCode !== 0) throw new Error(String(ui.all));
  url = String(ui.stdout).trim();
  browser = await puppeteer.launch({ executablePath: chromium, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 800 });
});

it.after.always(async () => {
  await browser?.close();
  await lab(['down', '--name', name]);
});

// cy is the page's graph (a top-level const of app.js).
const graphIds = (): Promise<string[]> => page.evaluate('cy.nodes().map((n) => n.id())') as Promise<string[]>;
const packets = (endpoint: string): Promise<number> => page.$eval(`td.count[data-endpoint="${endpoint}"]`, (td) => Number(td.textContent));

it.serial('the page shows the nodes, their pods, the service and its endpoints', async (t) => {
  t.regex(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  await page.goto(url);
  await page.waitForFunction(() => document.querySelectorAll('td.count').length >= 2, { timeout: 10_000 });
  const ids = await graphIds();
  for (const id of ['node/node1', 'node/node2', 'pod/web-1', 'pod/web-2', 'pod/client', 'svc/web']) t.true(ids.includes(id), `${id} in ${ids.join(', ')}`);
  t.regex(await page.$eval('#title', (e) => e.textContent ?? ''), new RegExp(`lab ${name} \\(proxy mode iptables\\)`));
});

it.serial('a counter rises while a bounded curl loop runs, within seconds', async (t) => {
  const ip = (await lab(['kubectl', '--name', name, 'get', 'pod', 'web-1', '-o', 'jsonpath={.status.podIP}'])).stdout;
  const endpoint = `${String(ip)}:8080`;
  const start = await packets(endpoint);
  // 30 requests to web-1 straight through the service: at least some land on web-1 (random 50/50).
  const r = await lab(['exec', '--name', name, 'client', '--', 'sh', '-c', 'for i in $(seq 30); do curl -s -m 2 -o /dev/null http://web/; done']);
  t.is(r.exitCode, 0, String(r.all));
  await page.waitForFunction((ep: string, n: number) => Number(document.querySelector(`td.count[data-endpoint="${ep}"]`)?.textContent) > n, { timeout: 5000 }, endpoint, start);
  t.true((await packets(endpoint)) > start);
});

it.serial('the trace button draws the path to the pod that answered', async (t) => {
  await page.select('#from', 'pod/client');
  await page.select('#to', 'svc/web');
  await page.click('#trace');
  await page.waitForFunction(() => /answered by|stopped|no answer|failed/.test(document.getElementById('trace-summary')?.textContent ?? ''), { timeout: 20_000 });
  const summary = await page.$eval('#trace-summary', (e) => e.textContent ?? '');
  t.regex(summary, /^pod\/client -> svc\/web: DNAT 10\.244\.\d+\.\d+:8080; answered by web-[12] /);
  t.regex(await page.$eval('#trace-path', (e) => e.textContent ?? ''), /KUBE-SVC-\S+ -m comment --comment "default\/web:http -> 10\.244/);
  const traced = (await page.evaluate("cy.$('.traced').map((n) => n.id())")) as string[];
  t.true(traced.includes('svc/web') && traced.some((id) => /^pod\/web-[12]$/.test(id)), traced.join(', '));
  fs.mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, 'dashboard.png') });
});

it.serial('a fault at a click: deleting a pod takes it off the picture', async (t) => {
  await page.select('#fault-pod', 'web-2');
  await page.click('button[data-fault="deletePod"]');
  await page.waitForFunction(() => /deleted pod web-2/.test(document.getElementById('fault-result')?.textContent ?? ''), { timeout: 10_000 });
  t.true(await poll(async () => !(await graphIds()).includes('pod/web-2'), { timeoutMs: 30_000, everyMs: 250, retryErrors: true }), 'web-2 gone from the graph');
});

it.serial('lab down leaves the host as it was', async (t) => {
  await browser?.close();
  browser = undefined;
  await lab(['down', '--name', name]);
  t.deepEqual(await hostSnapshot(name), before);
  const port = Number(new URL(url).port);
  const listening = await new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });
  t.false(listening, 'the dashboard no longer listens');
});
