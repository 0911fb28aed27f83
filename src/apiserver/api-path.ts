// The group/version prefix of a REST path (/api/v1/... or /apis/<group>/<version>/...),
// shared by the router of resource requests and the authorization attributes.

export interface ApiPath {
  group: string;
  version: string;
  /** The decoded segments after the version. */
  rest: string[];
}

export function splitApiPath(pathname: string): ApiPath | undefined {
  const segs = pathname.split('/').filter((s) => s.length > 0).map(decodeURIComponent);
  if (segs[0] === 'api' && segs.length >= 3) return { group: '', version: segs[1]!, rest: segs.slice(2) };
  if (segs[0] === 'apis' && segs.length >= 4) return { group: segs[1]!, version: segs[2]!, rest: segs.slice(3) };
  return undefined;
}
