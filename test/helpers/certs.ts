// A throwaway PKI made at test time with the openssl CLI (EC P-256, valid two days) in a temp directory:
// a CA, a server certificate for 127.0.0.1/localhost, a client certificate signed by the CA, and an
// unrelated second CA with its own client certificate (the "wrong certificate" cases). Keys are mode 0600.

import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CertFiles {
  /** PEM certificate path. */
  cert: string;
  /** PEM private key path (mode 0600). */
  key: string;
}

export interface Pki {
  dir: string;
  ca: CertFiles;
  /** Server certificate for IP:127.0.0.1 and DNS:localhost, signed by `ca`. */
  server: CertFiles;
  /** Client certificate (CN = the charge point id) signed by `ca`. */
  client: CertFiles;
  /** A second CA that signed nothing the test CSMS trusts or presents. */
  otherCa: CertFiles;
  /** Client certificate signed by `otherCa`: the CSMS must refuse it. */
  rogueClient: CertFiles;
  /** Reads a PEM file of this PKI. */
  pem(path: string): string;
  /** Writes a file into the PKI directory with the given mode (default 0600) and returns its path. */
  writeSecret(name: string, content: string, mode?: number): string;
  cleanup(): void;
}

const OPENSSL_CNF = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
authorityKeyIdentifier = keyid
[client_ext]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
`;

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

export async function makePki(options: { clientCn?: string; openssl?: string } = {}): Promise<Pki> {
  const openssl = options.openssl ?? process.env.OPENSSL ?? 'openssl';
  const dir = mkdtempSync(join(tmpdir(), 'evse-pki-'));
  const cnf = join(dir, 'openssl.cnf');
  writeFileSync(cnf, OPENSSL_CNF);
  const files = (name: string): CertFiles => ({ cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) });
  const ssl = async (args: string[]): Promise<void> => {
    try {
      await run(openssl, args, { cwd: dir, env: { ...process.env, OPENSSL_CONF: cnf } });
    } catch (err) {
      const e = err as Error & { stderr?: string; code?: string };
      const hint = e.code === 'ENOENT' ? ` (the openssl CLI is missing: apt-get install openssl)` : '';
      throw new Error(`openssl ${args[0]} failed${hint}: ${e.stderr ?? e.message}`);
    }
  };
  const makeCa = async (name: string, cn: string): Promise<CertFiles> => {
    const f = files(name);
    await ssl(['req', '-x509', '-config', cnf, '-extensions', 'ca_ext', ...EC, '-keyout', f.key, '-out', f.cert, '-days', '2', '-subj', `/CN=${cn}`]);
    return f;
  };
  const makeLeaf = async (name: string, cn: string, issuer: CertFiles, ext: string): Promise<CertFiles> => {
    const f = files(name);
    const csr = join(dir, `${name}.csr`);
    await ssl(['req', '-new', '-config', cnf, ...EC, '-keyout', f.key, '-out', csr, '-subj', `/CN=${cn}`]);
    const serial = `0x${Date.now().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`;
    await ssl(['x509', '-req', '-in', csr, '-CA', issuer.cert, '-CAkey', issuer.key, '-set_serial', serial, '-days', '2', '-extfile', cnf, '-extensions', ext, '-out', f.cert]);
    return f;
  };
  try {
    const [ca, otherCa] = await Promise.all([makeCa('ca', 'EVSE Test CA'), makeCa('other-ca', 'Unrelated Test CA')]);
    const clientCn = options.clientCn ?? 'EVSE-TEST';
    const [server, client, rogueClient] = await Promise.all([
      makeLeaf('server', 'localhost', ca, 'server_ext'),
      makeLeaf('client', clientCn, ca, 'client_ext'),
      makeLeaf('rogue-client', clientCn, otherCa, 'client_ext'),
    ]);
    for (const f of [ca, otherCa, server, client, rogueClient]) chmodSync(f.key, 0o600);
    return {
      dir,
      ca,
      server,
      client,
      otherCa,
      rogueClient,
      pem: (path) => readFileSync(path, 'utf8'),
      writeSecret: (name, content, mode = 0o600) => {
        const path = join(dir, name);
        writeFileSync(path, content);
        chmodSync(path, mode); // explicit: the umask and an existing file's mode do not matter
        return path;
      },
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
