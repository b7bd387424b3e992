/** Command lines of the e2e etcd and kube-apiserver: loopback only, no controllers behind them. */
import { spawnSync } from 'node:child_process'
import { LOOPBACK } from './net.js'

const etcdFlagCache = new Map<string, boolean>()
/** Older etcd builds lack the flag; ask the binary once. */
export function etcdSupportsNoFsync(etcd: string): boolean {
  let known = etcdFlagCache.get(etcd)
  if (known === undefined) {
    const help = spawnSync(etcd, ['--help'], { encoding: 'utf8' })
    known = `${help.stdout}${help.stderr}`.includes('--unsafe-no-fsync')
    etcdFlagCache.set(etcd, known)
  }
  return known
}

export function etcdFlags(o: {
  dataDir: string
  etcdUrl: string
  peerUrl: string
  noFsync: boolean
}): string[] {
  return [
    '--name=e2e',
    `--data-dir=${o.dataDir}`,
    `--listen-client-urls=${o.etcdUrl}`,
    `--advertise-client-urls=${o.etcdUrl}`,
    `--listen-peer-urls=${o.peerUrl}`,
    `--initial-advertise-peer-urls=${o.peerUrl}`,
    `--initial-cluster=e2e=${o.peerUrl}`,
    '--log-level=warn',
    // A test cluster's data is worthless after the run: skip the fsyncs that dominate its latency.
    ...(o.noFsync ? ['--unsafe-no-fsync'] : []),
  ]
}

export interface ApiserverPaths {
  etcdUrl: string
  apiPort: number
  certDir: string
  servingCert: string
  servingKey: string
  clientCa: string
  tokenFile: string
  saPublicKey: string
  saSigningKey: string
  /** Appended last, so a caller's flag wins over a default. */
  extra: readonly string[]
}

export function apiserverFlags(o: ApiserverPaths): string[] {
  return [
    `--etcd-servers=${o.etcdUrl}`,
    `--bind-address=${LOOPBACK}`,
    `--advertise-address=${LOOPBACK}`,
    `--secure-port=${o.apiPort}`,
    `--cert-dir=${o.certDir}`,
    `--tls-cert-file=${o.servingCert}`,
    `--tls-private-key-file=${o.servingKey}`,
    `--client-ca-file=${o.clientCa}`,
    `--token-auth-file=${o.tokenFile}`,
    `--service-account-issuer=https://${LOOPBACK}:${o.apiPort}`,
    `--service-account-key-file=${o.saPublicKey}`,
    `--service-account-signing-key-file=${o.saSigningKey}`,
    // Required flag; nothing dials it (no kube-proxy, and webhooks are called by URL).
    '--service-cluster-ip-range=10.0.0.0/24',
    // Otherwise the apiserver publishes itself as the `kubernetes` Service endpoints.
    '--endpoint-reconciler-type=none',
    '--authorization-mode=Node,RBAC',
    '--enable-admission-plugins=NodeRestriction',
    // No controller-manager creates `default` service accounts, so that plugin would reject pods.
    '--disable-admission-plugins=ServiceAccount',
    '--allow-privileged=true',
    '--profiling=false',
    '--v=1',
    ...o.extra,
  ]
}
