// A picture of the host's own state (like ../shared/scripts/host-snapshot, plus
// processes and files) restricted to one lab's names, so test files running
// side by side do not see each other's labs.
import fs from 'node:fs';
import { execa } from 'execa';
import { labProcesses } from '../../src/lab/processes.js';
import { systemTool } from '../../src/net/tools.js';

const otherLab = /svclab-[a-z0-9-]+/;

export async function hostSnapshot(lab: string): Promise<string[]> {
  const mine = (line: string): boolean => !otherLab.test(line) || line.includes(`svclab-${lab}-`);
  const lines: string[] = [];
  const netns = fs.existsSync('/run/netns') ? fs.readdirSync('/run/netns') : [];
  lines.push(...netns.map((n) => `netns ${n}`));
  const links = await execa(systemTool('ip'), ['-o', 'link', 'show'], { reject: false });
  lines.push(...links.stdout.split('\n').filter(Boolean).map((l) => `link ${l.split(': ')[1]?.split('@')[0]}`));
  const ipt = await execa(systemTool('iptables-save'), [], { reject: false });
  lines.push(...ipt.stdout.split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith(':')).map((l) => `iptables ${l}`));
  const nft = await execa(systemTool('nft'), ['list', 'ruleset'], { reject: false });
  if (nft.exitCode !== 0) throw new Error(`nft list ruleset failed: ${nft.stderr}`);
  lines.push(`nft ${nft.stdout}`);
  lines.push(...(labProcesses().get(lab) ?? []).map((p) => `process ${p}`));
  if (fs.existsSync(`/run/svclab/${lab}`)) lines.push(`state /run/svclab/${lab}`);
  if (fs.existsSync('/etc/netns')) lines.push(...fs.readdirSync('/etc/netns').map((n) => `etc-netns ${n}`));
  return lines.filter(mine).sort();
}
