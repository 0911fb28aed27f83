// ConfigMaps, Secrets and ServiceAccounts: decoding (base64 data, stringData)
// and validation with the wording of k8s.io/kubernetes/pkg/apis/core/validation.
import { badRequest, type ApiError } from '../errors.js';
import type { ConfigMap, KubeObject, Secret, ServiceAccount } from '../types.js';
import { fieldErrors, FieldPath, path, type FieldError } from './field.js';
import { invalidAll, regexError } from './pod.js';

/** core.MaxSecretSize: the most a Secret's or ConfigMap's values may hold together. */
const maxSecretSize = 1024 * 1024;

const configKeyFmt = '[-._a-zA-Z0-9]+';
const configKeyRe = new RegExp(`^${configKeyFmt}$`);

/** IsConfigMapKey: keys of ConfigMap data/binaryData and Secret data. */
export function configMapKey(key: string): string[] {
  const errs: string[] = [];
  if (key.length > 253) errs.push('must be no more than 253 characters');
  if (!configKeyRe.test(key)) {
    errs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", configKeyFmt, 'key.name', 'KEY_NAME', 'key-name'));
  }
  if (key === '.') errs.push("must not be '.'");
  else if (key === '..') errs.push("must not be '..'");
  else if (key.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

/** Where Go's base64.StdEncoding stops decoding a value, or -1 when it decodes. */
export function base64ErrorOffset(text: string): number {
  const s = text.replace(/[\r\n]/g, ''); // Go skips newlines
  const bad = s.search(/[^A-Za-z0-9+/=]/);
  const pad = s.indexOf('=');
  if (pad >= 0 && (bad < 0 || pad < bad)) {
    // Padding only at the end of the last quantum: "xx==" or "xxx=".
    const tail = s.slice(pad);
    const ok = (tail === '==' && pad % 4 === 2) || (tail === '=' && pad % 4 === 3);
    return ok ? -1 : pad;
  }
  if (bad >= 0) return bad;
  return s.length % 4 === 0 ? -1 : s.length - (s.length % 4);
}

/** Byte count of a base64 value (what Go's []byte holds). */
function decodedLength(b64: string): number {
  return Buffer.from(b64, 'base64').length;
}

function cannotDecode(kind: string, detail: string): ApiError {
  return badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: ${detail}`);
}

function checkBase64(kind: string, map: unknown, field: string): void {
  if (map === undefined || map === null) return;
  if (typeof map !== 'object' || Array.isArray(map)) throw cannotDecode(kind, `json: cannot unmarshal ${Array.isArray(map) ? 'array' : typeof map} into Go struct field ${kind}.${field} of type map[string][]uint8`);
  for (const value of Object.values(map as Record<string, unknown>)) {
    if (value === null) continue;
    if (typeof value !== 'string') throw cannotDecode(kind, `json: cannot unmarshal ${typeof value} into Go struct field ${kind}.${field} of type []uint8`);
    const at = base64ErrorOffset(value);
    if (at >= 0) throw cannotDecode(kind, `illegal base64 data at input byte ${at}`);
  }
}

function stringMap(kind: string, map: unknown, field: string): void {
  if (map === undefined || map === null) return;
  const ok = typeof map === 'object' && !Array.isArray(map) && Object.values(map as object).every((v) => typeof v === 'string' || v === null);
  if (!ok) throw cannotDecode(kind, `json: cannot unmarshal into Go struct field ${kind}.${field} of type map[string]string`);
}

/**
 * What decoding a v1 Secret does upstream: data values must be base64, and
 * stringData is folded into data (its keys win) and never stored.
 */
export function decodeSecret(obj: KubeObject): void {
  const secret = obj as Secret;
  checkBase64('Secret', secret.data, 'data');
  stringMap('Secret', secret.stringData, 'stringData');
  if (secret.stringData) {
    const data = { ...(secret.data ?? {}) };
    for (const [k, v] of Object.entries(secret.stringData)) data[k] = Buffer.from(v ?? '', 'utf8').toString('base64');
    secret.data = data;
  }
  delete secret.stringData;
}

export function decodeConfigMap(obj: KubeObject): void {
  const cm = obj as ConfigMap;
  stringMap('ConfigMap', cm.data, 'data');
  checkBase64('ConfigMap', cm.binaryData, 'binaryData');
}

function keyErrors(map: Record<string, unknown> | undefined, fld: FieldPath): FieldError[] {
  return Object.keys(map ?? {}).flatMap((k) => invalidAll(fld.key(k), k, configMapKey(k)));
}

function immutableErrors(obj: { immutable?: boolean }, old: { immutable?: boolean } | undefined, changed: string[]): FieldError[] {
  if (!old?.immutable) return [];
  const errs: FieldError[] = [];
  if (!obj.immutable) errs.push(fieldErrors.forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of changed) errs.push(fieldErrors.forbidden(f, 'field is immutable when `immutable` is set'));
  return errs;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});

export function validateConfigMap(cm: ConfigMap, old?: ConfigMap): FieldError[] {
  const errs = keyErrors(cm.data, path('data'));
  for (const k of Object.keys(cm.data ?? {})) {
    if (cm.binaryData && k in cm.binaryData) errs.push(fieldErrors.invalid(path('data').key(k).text, k, 'duplicate of key present in binaryData'));
  }
  errs.push(...keyErrors(cm.binaryData, path('binaryData')));
  for (const k of Object.keys(cm.binaryData ?? {})) {
    if (cm.data && k in cm.data) errs.push(fieldErrors.invalid(path('binaryData').key(k).text, k, 'duplicate of key present in data'));
  }
  const size = Object.values(cm.data ?? {}).reduce((n, v) => n + Buffer.byteLength(v ?? ''), 0) + Object.values(cm.binaryData ?? {}).reduce((n, v) => n + decodedLength(v ?? ''), 0);
  if (size > maxSecretSize) errs.push({ reason: 'FieldValueTooLong', field: '', message: `Too long: must have at most ${maxSecretSize} bytes` });
  const changed = [...(same(cm.data, old?.data) ? [] : ['data']), ...(same(cm.binaryData, old?.binaryData) ? [] : ['binaryData'])];
  errs.push(...immutableErrors(cm, old, changed));
  return errs;
}

/** The keys each built-in Secret type requires (SecretType* upstream). */
const requiredKeys: Record<string, string[]> = {
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
};

export function validateSecret(secret: Secret, old?: Secret): FieldError[] {
  const data = path('data');
  const errs = keyErrors(secret.data, data);
  const size = Object.values(secret.data ?? {}).reduce((n, v) => n + decodedLength(v ?? ''), 0);
  if (size > maxSecretSize) errs.push({ reason: 'FieldValueTooLong', field: 'data', message: `Too long: must have at most ${maxSecretSize} bytes` });
  const type = secret.type ?? 'Opaque';
  const has = (k: string): boolean => secret.data !== undefined && k in secret.data;
  switch (type) {
    case 'kubernetes.io/service-account-token':
      if (!secret.metadata.annotations?.['kubernetes.io/service-account.name']) errs.push(fieldErrors.required("metadata.annotations[kubernetes.io/service-account.name]"));
      break;
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) errs.push(fieldErrors.required(data.key('username').text), fieldErrors.required(data.key('password').text));
      break;
    case 'kubernetes.io/ssh-auth':
      if (!secret.data?.['ssh-privatekey']) errs.push(fieldErrors.required(data.key('ssh-privatekey').text));
      break;
    default:
      for (const k of requiredKeys[type] ?? []) if (!has(k)) errs.push(fieldErrors.required(data.key(k).text));
      if (type.startsWith('kubernetes.io/docker') && requiredKeys[type]!.every(has)) {
        const key = requiredKeys[type]![0]!;
        try {
          JSON.parse(Buffer.from(secret.data![key]!, 'base64').toString('utf8'));
        } catch (e) {
          errs.push(fieldErrors.invalid(data.key(key).text, '<secret contents redacted>', (e as Error).message));
        }
      }
  }
  if (old) {
    if ((old.type ?? 'Opaque') !== type) errs.push(fieldErrors.invalid('type', type, 'field is immutable'));
    errs.push(...immutableErrors(secret, old, same(secret.data, old.data) ? [] : ['data']));
  }
  return errs;
}

export function validateServiceAccount(_sa: ServiceAccount): FieldError[] {
  return []; // ValidateServiceAccount checks only the metadata
}
