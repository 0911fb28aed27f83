// Client certificates verified against the lab CA (upstream's x509 request
// authenticator): CN is the user name, each O a group.
import type http from 'node:http';
import { TLSSocket, type PeerCertificate } from 'node:tls';
import { unauthorized } from '../../api/errors.js';
import type { Authenticator, UserInfo } from './user.js';

/** The user a verified certificate subject names (node gives repeated attributes as an array). */
export function userFromSubject(subject: PeerCertificate['subject'] | undefined): UserInfo | undefined {
  const cn = subject?.CN;
  const name = Array.isArray(cn) ? cn[0] : cn;
  if (!name) return undefined;
  const o = subject?.O;
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { username: name, groups };
}

export const x509Authenticator: Authenticator = (req: http.IncomingMessage) => {
  const socket = req.socket;
  if (!(socket instanceof TLSSocket)) return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return undefined; // no certificate offered
  // Offered but not signed by the lab CA (or expired): upstream's x509 authenticator fails the request.
  if (!socket.authorized) throw unauthorized();
  const user = userFromSubject(cert.subject);
  if (!user) throw unauthorized();
  return user;
};
