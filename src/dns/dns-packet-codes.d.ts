// dns-packet's type and class tables, which ship without types (used by message.ts).
declare module 'dns-packet/types.js' {
  export function toType(name: string): number;
}

declare module 'dns-packet/classes.js' {
  export function toClass(name: string): number;
}
