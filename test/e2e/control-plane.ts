/**
 * A real control plane for end-to-end tests: etcd + kube-apiserver on loopback, with a fresh
 * PKI, token-file identities and node client certs, Node+RBAC authorization, and the chart's
 * CRDs installed. No controllers, scheduler or kubelet (see research/real-apiserver.md §3.4).
 */
import { KubeConfig } from '@kubernetes/client-node'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { locateBinaries, type Binaries } from './binaries.js'
import { installCrds } from './crd.js'
import { apiserverFlags, etcdFlags, etcdSupportsNoFsync } from './flags.js'
import * as id from './identities.js'
import { freePorts, LOOPBACK, probe, waitFor } from './net.js'
import { createPki, createSigningKey, type Pki } from './pki.js'
import * as proc from './processes.js'

export type { Identity, NodeIdentity, TokenIdentity } from './identities.js'

export interface ControlPlaneOptions {
  binaries?: Binaries
  /** Bound on each wait for etcd or the apiserver to become ready (default 120 s). */
  readyTimeoutMs?: number
  /** Appended to the apiserver's command line (a later flag wins over an earlier one). */
  apiserverArgs?: readonly string[]
  /** Install the chart's CRDs (default true). */
  crds?: boolean
  /** Keep the temp dir (logs, PKI, kubeconfigs) after stop(); default: env MULTINET_E2E_KEEP=1. */
  keepDir?: boolean
}

export interface ControlPlaneStats {
  /** Milliseconds from spawning the apiserver to its first ready /readyz, for the last start. */
  apiserverReadyMs: number
  apiserverRssKiB: number | undefined
  etcdRssKiB: number | undefined
}

export interface ControlPlane {
  readonly apiUrl: string
  readonly etcdUrl: string
  readonly caPem: string
  readonly dir: string
  readonly tokens: Readonly<Record<id.TokenIdentity, string>>
  /** The CA, to issue more certs (a webhook's serving cert, more clients). */
  readonly pki: Pki
  kubeconfigFor(identity: id.Identity): string
  kubeConfig(identity: id.Identity): KubeConfig
  stopApiserver(): Promise<void>
  startApiserver(): Promise<void>
  stats(): ControlPlaneStats
  /** The tail of each process's log, for a failing test's diagnostics. */
  logTails(lines?: number): string
  /** Pids of the processes this control plane started and that are still running. */
  pids(): number[]
  stop(): Promise<void>
}

function writeSecret(path: string, text: string): string {
  writeFileSync(path, text, { mode: 0o600 })
  return path
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const bins = opts.binaries ?? locateBinaries()
  const timeoutMs = opts.readyTimeoutMs ?? 120_000
  const keepDir = opts.keepDir ?? process.env.MULTINET_E2E_KEEP === '1'
  const dir = mkdtempSync(join(tmpdir(), 'multinet-e2e-'))
  for (const sub of ['pki', 'logs', 'kubeconfigs']) mkdirSync(join(dir, sub))

  const pki = createPki()
  const serving = pki.issueServer([LOOPBACK, 'localhost'], 'kube-apiserver')
  const signing = createSigningKey()
  const tokens = id.newTokens()
  const file = (name: string, text: string): string => writeSecret(join(dir, name), text)
  const caFile = file('pki/ca.crt', pki.ca.certPem)
  const [etcdPort, peerPort, apiPort] = (await freePorts(3)) as [number, number, number]
  const etcdUrl = `http://${LOOPBACK}:${etcdPort}`
  const peerUrl = `http://${LOOPBACK}:${peerPort}`
  const apiUrl = `https://${LOOPBACK}:${apiPort}`

  const etcdArgs = etcdFlags({
    dataDir: join(dir, 'etcd'),
    etcdUrl,
    peerUrl,
    noFsync: etcdSupportsNoFsync(bins.etcd),
  })
  const apiserverArgs = apiserverFlags({
    etcdUrl,
    apiPort,
    certDir: join(dir, 'pki'),
    servingCert: file('pki/apiserver.crt', serving.certPem),
    servingKey: file('pki/apiserver.key', serving.keyPem),
    clientCa: caFile,
    tokenFile: file('tokens.csv', id.tokenAuthFile(tokens)),
    saPublicKey: file('pki/sa.pub', signing.publicPem),
    saSigningKey: file('pki/sa.key', signing.privatePem),
    extra: opts.apiserverArgs ?? [],
  })

  // etcd outlives apiserver restarts, so its watchdog is the one that removes the temp dir.
  const etcd = proc.startProcess('etcd', bins.etcd, etcdArgs, join(dir, 'logs/etcd.log'), {
    cleanupDir: keepDir ? undefined : dir,
  })
  let apiserver: proc.Managed | undefined
  let readyMs = 0
  let stopped = false

  const exitedEarly = (p: proc.Managed) => () => (p.isRunning() ? undefined : `${p.name} exited`)
  const tail =
    (p: proc.Managed, lines = 40) =>
    () =>
      `--- ${p.logFile} (tail) ---\n${proc.logTail(p.logFile, lines)}`

  const startApiserver = async (): Promise<void> => {
    if (apiserver?.isRunning()) throw new Error('kube-apiserver is already running')
    const log = join(dir, 'logs/kube-apiserver.log')
    const started = Date.now()
    const p = proc.startProcess('kube-apiserver', bins.apiserver, apiserverArgs, log)
    apiserver = p
    await waitFor(
      `kube-apiserver ${apiUrl}/readyz`,
      async () => {
        const res = await probe(`${apiUrl}/readyz`, { ca: pki.ca.certPem, token: tokens.admin })
        return res.status === 200 ? true : undefined
      },
      { timeoutMs, intervalMs: 250, abort: exitedEarly(p) },
      tail(p),
    )
    readyMs = Date.now() - started
  }

  const kubeconfigFor = (identity: id.Identity): string => {
    const path = join(dir, 'kubeconfigs', `${identity.replaceAll(':', '_')}.yaml`)
    if (existsSync(path)) return path
    let creds: id.Credentials
    if (id.isNodeIdentity(identity)) creds = pki.issueClient(identity, ['system:nodes'])
    else if (identity in tokens) creds = { token: tokens[identity as id.TokenIdentity] }
    else throw new Error(`unknown e2e identity ${JSON.stringify(identity)}`)
    return writeSecret(path, id.kubeconfigYaml(apiUrl, pki.ca.certPem, identity, creds))
  }

  const cp: ControlPlane = {
    apiUrl,
    etcdUrl,
    caPem: pki.ca.certPem,
    dir,
    tokens,
    pki,
    kubeconfigFor,
    kubeConfig(identity) {
      const kc = new KubeConfig()
      kc.loadFromFile(kubeconfigFor(identity))
      return kc
    },
    async stopApiserver() {
      await apiserver?.stop()
    },
    startApiserver,
    stats: () => ({
      apiserverReadyMs: readyMs,
      apiserverRssKiB: apiserver?.isRunning() ? proc.rssKiB(apiserver.pid) : undefined,
      etcdRssKiB: etcd.isRunning() ? proc.rssKiB(etcd.pid) : undefined,
    }),
    logTails: (lines = 40) =>
      [etcd, apiserver].flatMap((p) => (p ? [tail(p, lines)()] : [])).join('\n'),
    pids: () => [etcd, apiserver].flatMap((p) => (p?.isRunning() ? [p.pid] : [])),
    async stop() {
      if (stopped) return
      stopped = true
      await apiserver?.stop()
      await etcd.stop()
      if (!keepDir) rmSync(dir, { recursive: true, force: true })
    },
  }

  try {
    await waitFor(
      `etcd ${etcdUrl}/health`,
      async () =>
        (await probe(`${etcdUrl}/health`)).body.includes('"health":"true"') ? true : undefined,
      { timeoutMs, abort: exitedEarly(etcd) },
      tail(etcd),
    )
    await startApiserver()
    if (opts.crds !== false) await installCrds(cp.kubeConfig('admin'))
  } catch (err) {
    await cp.stop()
    throw err
  }
  return cp
}
