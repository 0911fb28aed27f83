// The compiled type descriptions, shared by the protobuf decoder, the OpenAPI
// documents and strategic merge patch.
import type protobuf from 'protobufjs';
import { compile } from './describe.js';
import { kindMessages, packages } from './kinds.js';

export { fieldOptions } from './describe.js';
export { kindMessages } from './kinds.js';

export const root = compile(packages);

/** The message type of a kind ("apps/v1", "Deployment"), or undefined when none is described. */
export function messageFor(apiVersion: string, kind: string): protobuf.Type | undefined {
  const name = kindMessages[`${apiVersion} ${kind}`];
  return name ? root.lookupType(name) : undefined;
}
export { unknownFields } from './unknown-fields.js';
export { jsonTypeError } from './json-types.js';
export { dropNulls } from './nulls.js';
