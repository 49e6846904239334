// The strict test CSMS (helpers/csms.ts) behind OCPP security profiles 1-3: Basic-auth password check
// (profiles 1 and 2), wss:// from an https server with the test PKI's server certificate (profiles 2
// and 3), and a required client certificate signed by the test CA (profile 3). Records every upgrade
// attempt with what the CSMS saw and decided.

import type { TLSSocket } from 'node:tls';
import type { Pki } from './certs.js';
import { startCsms, type TestCsms } from './csms.js';

export interface AuthAttempt {
  identity: string;
  /** The Basic-auth password sent (undefined: no or malformed Authorization header). */
  password: string | undefined;
  /** True when the upgrade came over TLS. */
  tls: boolean;
  /** Whether the client certificate verified against the CSMS's CA (null: not TLS). */
  clientCertAuthorized: boolean | null;
  /** Subject CN of the client certificate, if one was presented. */
  clientCertCn: string | undefined;
  accepted: boolean;
  reason: string;
  at: number;
}

export interface SecureCsms extends TestCsms {
  profile: 1 | 2 | 3;
  attempts: AuthAttempt[];
}

export interface SecureCsmsOptions {
  profile: 1 | 2 | 3;
  /** The PKI whose server certificate is served and whose CA must sign client certificates (profiles 2, 3). */
  pki?: Pki;
  /** The Basic-auth password the CSMS expects (profiles 1, 2). */
  password?: string;
  port?: number;
}

export async function startSecureCsms(options: SecureCsmsOptions): Promise<SecureCsms> {
  const { profile, pki, password } = options;
  if (profile >= 2 && !pki) throw new Error(`security profile ${profile} needs a PKI`);
  if (profile <= 2 && password === undefined) throw new Error(`security profile ${profile} needs a password`);
  const attempts: AuthAttempt[] = [];
  const tls =
    profile >= 2 && pki
      ? {
          cert: pki.pem(pki.server.cert),
          key: pki.pem(pki.server.key),
          ...(profile === 3 ? { ca: pki.pem(pki.ca.cert), requestCert: true, rejectUnauthorized: false } : {}),
        }
      : undefined;
  const csms = await startCsms({
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(tls ? { tls } : {}),
    auth: (accept, reject, handshake) => {
      const socket = handshake.request?.socket as TLSSocket | undefined;
      const isTls = socket?.encrypted === true;
      const peer = isTls ? socket!.getPeerCertificate() : undefined;
      const sent = handshake.password === undefined ? undefined : Buffer.from(handshake.password).toString('utf8');
      const attempt: AuthAttempt = {
        identity: String(handshake.identity),
        password: sent,
        tls: isTls,
        clientCertAuthorized: isTls ? socket!.authorized : null,
        clientCertCn: peer && Object.keys(peer).length > 0 ? String(peer.subject?.CN ?? '') : undefined,
        accepted: false,
        reason: '',
        at: Date.now(),
      };
      attempts.push(attempt);
      if (profile >= 2 && !isTls) attempt.reason = 'not TLS';
      else if (profile === 3 && attempt.clientCertCn === undefined) attempt.reason = 'no client certificate';
      else if (profile === 3 && !attempt.clientCertAuthorized) attempt.reason = `client certificate refused: ${socket!.authorizationError}`;
      else if (profile <= 2 && sent !== password) attempt.reason = sent === undefined ? 'no password' : 'wrong password';
      else attempt.accepted = true;
      if (attempt.accepted) accept();
      else reject(401, 'Unauthorized');
    },
  });
  return Object.assign(csms, { profile, attempts });
}
