// Static bearer tokens, upstream's --token-auth-file: one `token,user,uid,"group1,group2"` per line.
import fs from 'node:fs';
import type { UserInfo } from './user.js';

export function parseTokenFile(text: string): Map<string, UserInfo> {
  const out = new Map<string, UserInfo>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([^,]+),([^,]+),([^,]*)(?:,"?([^"]*)"?)?$/.exec(line);
    if (!m) throw new Error(`token file: malformed line ${JSON.stringify(line.replace(/^[^,]*/, '<token>'))}`);
    const groups = (m[4] ?? '').split(',').filter(Boolean);
    out.set(m[1]!, { username: m[2]!, ...(m[3] ? { uid: m[3] } : {}), groups });
  }
  return out;
}

export function readTokenFile(file: string): Map<string, UserInfo> {
  return parseTokenFile(fs.readFileSync(file, 'utf8'));
}
